"""Writes sdk_models.go and sdk_operations.go: the part of PAI's Go SDK
(github.com/alibabacloud-go/aiworkspace-20210204) that main.go runs, mirrored because the Go module
proxy does not serve that module (403 at every major).

The source is the pinned Python SDK (alibabacloud-aiworkspace20210204, test/pai-sdk/requirements.txt),
generated from the same API metadata as the Go SDK: client.py gives each operation's method, path, and
which request fields go to the query or the body (and which arrays are "shrunk" to strings); the
models' `from_map` and `__init__` annotations give every JSON name and type. Go types follow the Go
SDK's generator: str -> *string, bool -> *bool, float -> *float32, List[T] -> []*T,
Dict[str, str] -> map[string]*string, a model -> *Model; an integer is *int64 unless INT32 lists it
(the metadata's `format: int32`, read off the Go SDK's models). The operations' Go code is what the Go
SDK generates: a query/body map, openapiutil.Params{... Style: ROA, ReqBodyType/BodyType: json},
client.CallApi, then dara.Convert of the returned map into the response struct.

Run from test/pai-sdk/go with the SDK venv:  ../.venv/bin/python gen_sdk_mirror.py && gofmt -w .
"""
import inspect
import re
import sys
from importlib import metadata
from pathlib import Path

from alibabacloud_aiworkspace20210204 import client as sdk_client
from alibabacloud_aiworkspace20210204 import models

OPERATIONS = [
    # every operation test/pai-sdk/workflow.py calls (43)
    'create_connection', 'get_connection', 'list_connections', 'update_connection', 'validate_connection', 'delete_connection',
    'create_dataset', 'get_dataset', 'list_datasets', 'update_dataset', 'publish_dataset', 'delete_dataset',
    'create_dataset_labels', 'delete_dataset_labels',
    'create_dataset_version', 'get_dataset_version', 'list_dataset_versions', 'update_dataset_version', 'delete_dataset_version',
    'create_dataset_version_labels', 'delete_dataset_version_labels',
    'create_dataset_job', 'get_dataset_job', 'list_dataset_jobs', 'update_dataset_job', 'stop_dataset_job', 'delete_dataset_job',
    'create_dataset_job_config', 'get_dataset_job_config', 'list_dataset_job_configs', 'update_dataset_job_config',
    'delete_dataset_job_config',
    'list_dataset_file_metas', 'get_dataset_file_meta', 'get_dataset_file_metas_statistics',
    'create_dataset_file_metas', 'update_dataset_file_metas', 'delete_dataset_file_metas',
    'create_prompt', 'get_prompt', 'list_prompts', 'update_prompt', 'delete_prompt',
]

# Integers the Go SDK declares *int32 (every other integer is *int64).
INT32 = {
    'ListDatasetsRequest.PageNumber', 'ListDatasetsRequest.PageSize',
    'ListDatasetJobsRequest.PageNumber', 'ListDatasetJobsRequest.PageSize',
    'ListDatasetJobsResponseBody.TotalCount',
    'ListDatasetFileMetasRequest.MaxResults', 'ListDatasetFileMetasRequest.PageSize', 'ListDatasetFileMetasRequest.TopK',
    'ListDatasetFileMetasShrinkRequest.MaxResults', 'ListDatasetFileMetasShrinkRequest.PageSize',
    'ListDatasetFileMetasShrinkRequest.TopK',
    'ListDatasetFileMetasResponseBody.MaxResults', 'ListDatasetFileMetasResponseBody.PageSize',
    'ListDatasetFileMetasResponseBody.TotalCount',
    'GetDatasetFileMetasStatisticsRequest.MaxResults', 'GetDatasetFileMetasStatisticsResponseBody.TotalCount',
    'DatasetFileMetasStat.Count',
    'ListConnectionsRequest.MaxResults', 'ListConnectionsShrinkRequest.MaxResults',
    'ListConnectionsResponseBody.MaxResults', 'ListConnectionsResponseBody.TotalCount',
    'UserMetricsEndpoint.Port',
}

FROM_MAP_BLOCK = re.compile(r"if m\.get\('([^']+)'\) is not None:(.*?)(?=\n        if m\.get\(|\n        return self)", re.S)


def camel(snake):
    return ''.join(p[:1].upper() + p[1:] for p in snake.split('_'))


def fields(cls):
    """[(go name, json name, python annotation, nested model name or None)] in from_map order."""
    hints = inspect.signature(cls.__init__).parameters
    out = []
    for key, block in FROM_MAP_BLOCK.findall(inspect.getsource(cls.from_map)):
        attr = re.search(r'self\.(\w+)', block).group(1)
        ann = str(hints[attr].annotation).replace("'", '')
        nested = re.search(r'main_models\.(\w+)\(\)', block)
        go = key[:1].upper() + key[1:] + ('Shrink' if attr.endswith('_shrink') else '')
        out.append((go, key, ann, nested.group(1) if nested else None))
    return out


def go_type(owner, go, ann):
    ann = ann.replace('main_models.', '')
    scalar = {'str': '*string', 'bool': '*bool', 'float': '*float32', 'Any': 'interface{}'}
    if ann == 'int':
        return '*int32' if f'{owner}.{go}' in INT32 else '*int64'
    if ann in scalar:
        return scalar[ann]
    m = re.fullmatch(r'List\[(\w+)\]', ann)
    if m:
        inner = m.group(1)
        return '[]' + (go_type(owner, go, inner) if inner in ('str', 'int', 'bool', 'float') else '*' + inner)
    m = re.fullmatch(r'Dict\[str, (\w+)\]', ann)
    if m:
        return 'map[string]' + ('interface{}' if m.group(1) == 'Any' else go_type(owner, go, m.group(1)))
    if re.fullmatch(r'[A-Z]\w+', ann):
        return '*' + ann
    sys.exit(f'unmapped type {ann} of {owner}.{go}')


def struct(name, done, out):
    if name in done:
        return
    done.add(name)
    cls = getattr(models, name)
    lines = [f'type {name} struct {{']
    nested = []
    for go, key, ann, sub in fields(cls):
        typ = go_type(name, go, ann)
        extra = ' type:"Repeated"' if typ.startswith('[]') else (' type:"Struct"' if sub and not typ.startswith('map') else '')
        lines.append(f'\t{go} {typ} `json:"{key},omitempty" xml:"{key},omitempty"{extra}`')
        if sub:
            nested.append(sub)
    lines.append('}')
    out.append('\n'.join(lines))
    for sub in nested:
        struct(sub, done, out)


def response_struct(name, body, out):
    out.append(
        f'type {name} struct {{\n'
        '\tHeaders map[string]*string `json:"headers,omitempty" xml:"headers,omitempty"`\n'
        '\tStatusCode *int32 `json:"statusCode,omitempty" xml:"statusCode,omitempty"`\n'
        f'\tBody *{body} `json:"body,omitempty" xml:"body,omitempty"`\n'
        '}'
    )


def operation(op, structs, done):
    src = inspect.getsource(getattr(sdk_client.Client, f'{op}_with_options'))
    sig = re.search(r'\(\s*self,(.*?)\)\s*->\s*main_models\.(\w+):', src, re.S)
    params = re.findall(r'(\w+): ([\w.\[\], ]+),', sig.group(1))
    response = sig.group(2)
    path_args = [camel(p) for p, t in params if t == 'str']
    req_param = next((p, t.replace('main_models.', '')) for p, t in params if t.startswith('main_models.'))
    req_var, req_type = req_param
    shrink = re.search(r'request = main_models\.(\w+)\(\)', src)
    action = re.search(r"action = '(\w+)'", src).group(1)
    method = re.search(r"method = '(\w+)'", src).group(1)
    pathname = re.search(r"pathname = f'([^']+)'", src).group(1)
    go_path = ' + '.join(
        f'dara.PercentEncode(dara.StringValue({camel(part[len("DaraURL.percent_encode("):-1])}))' if part.startswith('DaraURL') else f'"{part}"'
        for part in re.split(r'\{(DaraURL\.percent_encode\(\w+\))\}', pathname) if part
    )
    go_name = {f[1]: f[0] for cls in (req_type, shrink.group(1) if shrink else req_type) for f in fields(getattr(models, cls))}

    struct(req_type, done, structs)
    body_name = response + 'Body'
    struct(body_name, done, structs)
    response_struct(response, body_name, structs)

    args = ''.join(f'{a} *string, ' for a in path_args)
    req_arg = 'tmpReq' if shrink else 'request'
    lines = [f'func (client *Client) {action}WithOptions({args}{req_arg} *{req_type}, headers map[string]*string, runtime *dara.RuntimeOptions) (_result *{response}, _err error) {{']
    if shrink:
        struct(shrink.group(1), done, structs)
        lines.append(f'\trequest := &{shrink.group(1)}{{}}')
        lines.append('\topenapiutil.Convert(tmpReq, request)')
        for attr, key, style in re.findall(r"request\.\w+_shrink = Utils\.array_to_string_with_specified_style\(tmp_req\.(\w+), '(\w+)', '(\w+)'\)", src):
            lines.append(f'\tif !dara.IsNil(tmpReq.{key}) {{\n\t\trequest.{key}Shrink = openapiutil.ArrayToStringWithSpecifiedStyle(tmpReq.{key}, dara.String("{key}"), dara.String("{style}"))\n\t}}')
        if re.search(r'Utils\.(?!array_to_string_with_specified_style|convert|query|parse_to_map)\w+\(tmp_req', src):
            sys.exit(f'{op}: a request conversion this generator does not know')
    assigned = re.findall(r"(query|body)\['(\w+)'\] = request\.(\w+)", src)
    kinds = []
    for kind in ('query', 'body'):
        keys = [k for q, k, _ in assigned if q == kind]
        if not keys:
            continue
        kinds.append(kind)
        lines.append(f'\t{kind} := map[string]interface{{}}{{}}')
        for key in keys:
            lines.append(f'\tif !dara.IsNil(request.{go_name[key]}) {{\n\t\t{kind}["{key}"] = request.{go_name[key]}\n\t}}')
    lines.append('\treq := &openapiutil.OpenApiRequest{\n\t\tHeaders: headers,')
    if 'query' in kinds:
        lines.append('\t\tQuery: openapiutil.Query(query),')
    if 'body' in kinds:
        lines.append('\t\tBody: openapiutil.ParseToMap(body),')
    lines.append('\t}')
    if not kinds:
        lines.append(f'\t_ = {req_arg}')
    lines.append(
        '\tparams := &openapiutil.Params{\n'
        f'\t\tAction: dara.String("{action}"),\n'
        '\t\tVersion: dara.String("2021-02-04"),\n'
        '\t\tProtocol: dara.String("HTTPS"),\n'
        f'\t\tPathname: dara.String({go_path}),\n'
        f'\t\tMethod: dara.String("{method}"),\n'
        '\t\tAuthType: dara.String("AK"),\n'
        '\t\tStyle: dara.String("ROA"),\n'
        '\t\tReqBodyType: dara.String("json"),\n'
        '\t\tBodyType: dara.String("json"),\n'
        '\t}\n'
        f'\t_result = &{response}{{}}\n'
        '\t_body, _err := client.CallApi(params, req, runtime)\n'
        '\tif _err != nil {\n\t\treturn _result, _err\n\t}\n'
        '\t_err = dara.Convert(_body, &_result)\n'
        '\treturn _result, _err\n'
        '}'
    )
    call_args = ''.join(f'{a}, ' for a in path_args)
    lines.append(
        f'\nfunc (client *Client) {action}({args}request *{req_type}) (_result *{response}, _err error) {{\n'
        f'\treturn client.{action}WithOptions({call_args}request, map[string]*string{{}}, &dara.RuntimeOptions{{}})\n'
        '}'
    )
    return '\n'.join(lines)


def main():
    version = metadata.version('alibabacloud-aiworkspace20210204')
    header = (
        f'// Code generated by gen_sdk_mirror.py from alibabacloud-aiworkspace20210204 {version} (Python); DO NOT EDIT.\n'
        '//\n'
        '// These mirror PAI\'s Go SDK (github.com/alibabacloud-go/aiworkspace-20210204) field for field and\n'
        '// type for type, because the Go module proxy does not serve that module. See gen_sdk_mirror.py.\n\n'
        'package main\n\n'
    )
    structs, ops, done = [], [], set()
    for op in OPERATIONS:
        ops.append(operation(op, structs, done))
    here = Path(__file__).parent
    (here / 'sdk_models.go').write_text(header + '\n\n'.join(structs) + '\n')
    (here / 'sdk_operations.go').write_text(
        header
        + 'import (\n\topenapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"\n'
        '\topenapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"\n'
        '\t"github.com/alibabacloud-go/tea/dara"\n)\n\n'
        '// Client and Init are the SDK\'s own (client/client.go): darabonba-openapi\'s client, which signs every\n'
        '// call (ACS3-HMAC-SHA256 with an AccessKey pair, or x-acs-bearer-token) and returns\n'
        '// {headers, statusCode, body} for dara.Convert; the endpoint is Config.Endpoint when set.\n'
        'type Client struct {\n\topenapi.Client\n\tDisableSDKError *bool\n\tEnableValidate  *bool\n}\n\n'
        'func NewClient(config *openapiutil.Config) (*Client, error) {\n'
        '\tclient := new(Client)\n\terr := client.Init(config)\n\treturn client, err\n}\n\n'
        'func (client *Client) Init(config *openapiutil.Config) (_err error) {\n'
        '\t_err = client.Client.Init(config)\n\tif _err != nil {\n\t\treturn _err\n\t}\n'
        '\tclient.EndpointRule = dara.String("")\n'
        '\t_err = client.CheckConfig(config)\n\tif _err != nil {\n\t\treturn _err\n\t}\n'
        '\tclient.Endpoint, _err = client.GetEndpoint(dara.String("aiworkspace"), client.RegionId, client.EndpointRule, client.Network, client.Suffix, client.EndpointMap, client.Endpoint)\n'
        '\treturn _err\n}\n\n'
        'func (client *Client) GetEndpoint(productId *string, regionId *string, endpointRule *string, network *string, suffix *string, endpointMap map[string]*string, endpoint *string) (_result *string, _err error) {\n'
        '\tif !dara.IsNil(endpoint) {\n\t\treturn endpoint, nil\n\t}\n'
        '\tif !dara.IsNil(endpointMap) && !dara.IsNil(endpointMap[dara.StringValue(regionId)]) {\n\t\treturn endpointMap[dara.StringValue(regionId)], nil\n\t}\n'
        '\treturn openapiutil.GetEndpointRules(productId, regionId, endpointRule, network, suffix)\n}\n\n'
        + '\n\n'.join(ops) + '\n'
    )


main()
