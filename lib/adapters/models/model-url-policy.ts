// Which hosts a model call may reach (LOUPE_MODEL_URL_POLICY). `public` keeps a connection's URL from
// probing the machine's own network: loopback, private, link-local, CGNAT and cloud metadata addresses.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export type ModelUrlPolicy = 'any' | 'public';

/** The same words whatever the address was, so a refusal tells nothing about the network behind it. */
export const POLICY_REFUSAL = 'refused by LOUPE_MODEL_URL_POLICY=public: the host is not a public internet address';

/** Error code of a refusal, for the transport's error mapping. */
export const POLICY_REFUSED_CODE = 'ERR_LOUPE_MODEL_URL_POLICY';

const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT; Alibaba Cloud's metadata service is 100.100.100.200
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local; AWS/GCP/Azure metadata is 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments (Oracle's metadata is 192.0.0.192)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local; AWS's IPv6 metadata is fd00:ec2::254
  ['fe80::', 10],
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) is a public internet address; IPv4 inside IPv6 (mapped, NAT64, 6to4) is judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return !NOT_PUBLIC.check(bare, 'ipv4');
  if (family !== 6) return false;
  if (NOT_PUBLIC.check(bare, 'ipv6')) return false; // also covers ::ffff:a.b.c.d
  const embedded = embeddedIpv4(bare);
  return embedded === undefined || !NOT_PUBLIC.check(embedded, 'ipv4');
}

/**
 * A `lookup` for net/tls connections under the policy: resolves the name, refuses unless every address
 * is public, and hands back only checked addresses, which the socket then connects to (a DNS answer
 * that changes between a check and the connection cannot slip a private address through).
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  const done = callback as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
  dnsLookup(hostname, { all: true, family: options.family, hints: options.hints }, (err, addresses) => {
    if (err) return done(err, []);
    if (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address))) return done(policyRefusal(), []);
    if (options.all) return done(null, addresses);
    done(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/** Checks a URL's host when it is an IP literal (sockets skip `lookup` for those); names are checked by publicOnlyLookup. */
export function checkLiteralHost(hostname: string): void {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) && !isPublicAddress(bare)) throw policyRefusal();
}

export function policyRefusal(): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(POLICY_REFUSAL);
  e.code = POLICY_REFUSED_CODE;
  return e;
}

/** The IPv4 address carried by a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
function embeddedIpv4(v6: string): string | undefined {
  const words = expandIpv6(v6);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0)) return v4(words[6]!, words[7]!);
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!);
  return undefined;
}

/** Eight 16-bit words of an IPv6 literal (a dotted IPv4 tail included), or undefined. */
function expandIpv6(text: string): number[] | undefined {
  let s = text.split('%')[0]!;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const part = (p: string) => (p ? p.split(':').map((w) => parseInt(w, 16)) : []);
  const left = part(head);
  const right = rest === undefined ? [] : part(rest);
  const fill = 8 - left.length - right.length;
  if (fill < 0 || (rest === undefined && fill !== 0)) return undefined;
  return [...left, ...new Array<number>(fill).fill(0), ...right];
}
