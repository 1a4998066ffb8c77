"""The surface of PAI's dataset API as the pinned Python SDK (alibabacloud-aiworkspace20210204) defines it.

Reads the SDK's own code, not a copy of its documentation: each operation's method, path and which
request fields go in the path, query or body (from client.py's `*_with_options` methods), and every
request and response field with its type (from the models' `__init__` annotations and `from_map`).
Prints JSON: {"sdk": version, "operations": [{name, method, path, request: [...], response: [...]}]}.
The dataset API here is every operation under /api/v1/datasets, /api/v1/statistics/datasets,
/api/v1/connections and /api/v1/prompts (PAI's Prompt is what its IntelligentTag spec names).
"""
import inspect
import json
import re
import sys
from importlib import metadata

from alibabacloud_aiworkspace20210204 import models
from alibabacloud_aiworkspace20210204.client import Client

PREFIXES = ('/api/v1/datasets', '/api/v1/statistics/datasets', '/api/v1/connections', '/api/v1/prompts')
BLOCK = re.compile(r"if m\.get\('([^']+)'\) is not None:(.*?)(?=\n        if m\.get\(|\n        return self)", re.S)


def model_fields(cls, prefix='', seen=()):
    """[(wire name, type)] of a model, nested models expanded as Name.Sub or Name[].Sub."""
    if cls in seen:
        return []
    hints = inspect.signature(cls.__init__).parameters
    out = []
    for key, block in BLOCK.findall(inspect.getsource(cls.from_map)):
        attr = re.search(r'self\.(\w+)', block)
        ann = str(hints[attr.group(1)].annotation) if attr and attr.group(1) in hints else 'unknown'
        nested = re.search(r'main_models\.(\w+)\(\)', block)
        typ = re.sub(r'main_models\.', '', ann).replace("'", '')
        name = prefix + key
        out.append((name, typ))
        if nested:
            sub = getattr(models, nested.group(1))
            inner = name + ('[]' if typ.startswith('List[') else '') + '.'
            out.extend(model_fields(sub, inner, seen + (cls,)))
    return out


def operations():
    ops = []
    for meth_name, fn in inspect.getmembers(Client, inspect.isfunction):
        if not meth_name.endswith('_with_options') or meth_name.endswith('_async'):
            continue
        src = inspect.getsource(fn)
        path = re.search(r"pathname = f?'([^']+)'", src)
        if not path:
            continue
        pathname = re.sub(r"\{OpenApiUtilClient\.get_encode_param\((\w+)\)\}|\{DaraURL\.percent_encode\((\w+)\)\}", lambda m: '{' + (m.group(1) or m.group(2)) + '}', path.group(1))
        pathname = re.sub(r'\{(\w+)\}', lambda m: '{' + ''.join(w[:1].upper() + w[1:] for w in m.group(1).split('_')) + '}', pathname)
        if not pathname.startswith(PREFIXES):
            continue
        action = re.search(r"action = '(\w+)'", src).group(1)
        method = re.search(r"method = '(\w+)'", src).group(1)
        req_cls = getattr(models, action + 'Request', None)
        body_cls = getattr(models, action + 'ResponseBody', None)
        placement = {}
        for where, key in re.findall(r"(query|body)\['([^']+)'\]", src):
            placement[key] = where
        request = [{'name': p, 'in': 'path', 'type': 'str'} for p in re.findall(r'\{(\w+)\}', pathname)]
        if req_cls is not None:
            for name, typ in model_fields(req_cls):
                top = name.split('.')[0].split('[')[0]
                if top in placement or '.' in name:
                    request.append({'name': name, 'in': placement.get(top, 'body'), 'type': typ})
        response = [{'name': n, 'type': t} for n, t in model_fields(body_cls)] if body_cls else []
        ops.append({'name': action, 'method': method, 'path': pathname, 'request': request, 'response': response})
    return sorted(ops, key=lambda o: o['name'])


if __name__ == '__main__':
    json.dump({'sdk': metadata.version('alibabacloud-aiworkspace20210204'), 'operations': operations()}, sys.stdout, indent=1)
