"""Issue 11's workflow through PAI's own Python SDK (alibabacloud-aiworkspace20210204), against Loupe.

Every call goes through the SDK's client and its own request and response classes (a request is the
SDK's `…Request` model filled by its own `from_map` from PAI's wire names; the response is the SDK's
decoded `…ResponseBody`). Nothing is patched on the way. workflow.test.ts starts Loupe and the
loopback model servers, runs this script, and asserts on what it prints: one JSON object with
  steps: {name: value}  facts the test asserts on (decoded by the SDK),
  calls: [{op, ok, sent, got, code, status}]  each call's request fields sent and response fields
         decoded (wire names, nested as A.B / A[].B), which the compatibility table is generated from.

Env (set by workflow.test.ts): PAI_SDK_HOST, PAI_SDK_PORT, PAI_SDK_AK_ID, PAI_SDK_AK_SECRET,
PAI_SDK_BEARER, PAI_SDK_ROOT (the folder Loupe may read and write), PAI_SDK_DATASET_DIR (COCO photos),
PAI_SDK_CHAT_URL / PAI_SDK_SLOW_CHAT_URL / PAI_SDK_GME_URL and PAI_SDK_MODEL_KEY (loopback models),
PAI_SDK_TAG (a COCO tag the label embedding knows).
"""
import json
import os
import re
import sys
import time
import traceback
import urllib.request
from pathlib import Path

from alibabacloud_aiworkspace20210204 import models
from alibabacloud_aiworkspace20210204.client import Client
from alibabacloud_tea_openapi import models as open_api_models

ENV = os.environ
ENDPOINT = f"{ENV['PAI_SDK_HOST']}:{ENV['PAI_SDK_PORT']}"
WS = '1234'  # the workspace everything here is created in
OTHER_WS = '5678'

calls = []
steps = {}


def flatten(value, prefix=''):
    """Wire field names present in a to_map() dict: A, A.B, A[].B (maps of strings stay one field)."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if v is None:
                continue
            name = f'{prefix}{k}'
            out.add(name)
            if isinstance(v, dict):  # a nested model (a map's keys land here too, and match no SDK field)
                out |= flatten(v, name + '.')
            elif isinstance(v, list):
                for item in v:
                    if isinstance(item, dict):
                        out |= flatten(item, name + '[].')
    return out


def snake(op):
    return re.sub(r'(?<!^)(?=[A-Z])', '_', op).lower()


def client(**credential):
    return Client(open_api_models.Config(endpoint=ENDPOINT, protocol='http', read_timeout=60000, **credential))


ak = client(access_key_id=ENV['PAI_SDK_AK_ID'], access_key_secret=ENV['PAI_SDK_AK_SECRET'])
bearer = client(bearer_token=ENV['PAI_SDK_BEARER'])


def call(op, *path, sdk=None, expect_error=False, **fields):
    """Calls PAI operation `op` through the SDK: `path` are its path parameters, `fields` its request
    in PAI's wire names. Returns the decoded response body as a dict (or the error as a dict)."""
    req = getattr(models, op + 'Request')().from_map(fields)
    sent = sorted(flatten(req.to_map()) | {f'path:{i}' for i in range(len(path))})
    entry = {'op': op, 'sent': sent}
    try:
        response = getattr(sdk or ak, snake(op))(*path, req)
        body = response.body.to_map()
        entry.update(ok=True, status=response.status_code, got=sorted(flatten(body)))
        calls.append(entry)
        if expect_error:
            raise AssertionError(f'{op} was expected to fail and answered {response.status_code}')
        return body
    except AssertionError:
        raise
    except Exception as e:  # the SDK raises with the HTTP status and PAI's Code
        entry.update(ok=False, status=getattr(e, 'status_code', None), code=getattr(e, 'code', None), error=str(getattr(e, 'message', e))[:300], got=[])
        calls.append(entry)
        if not expect_error:
            raise RuntimeError(f'{op} failed: {entry["status"]} {entry["code"]} {entry["error"]}') from e
        return {'status': entry['status'], 'code': entry['code'], 'message': entry['error']}


def wait_job(dataset_id, job_id, timeout=240, version='v1'):
    deadline = time.time() + timeout
    while True:
        job = call('GetDatasetJob', dataset_id, job_id, WorkspaceId=WS, DatasetVersion=version)
        if job['Status'] in ('Succeeded', 'Failed', 'PartialFailed', 'ManuallyStop'):
            return job
        if time.time() > deadline:
            raise RuntimeError(f'job {job_id} still {job["Status"]} after {timeout}s')
        time.sleep(0.2)


def run_job(dataset_id, action, spec, version='v1', **extra):
    created = call('CreateDatasetJob', dataset_id, DatasetVersion=version, JobAction=action, JobSpec=json.dumps(spec), WorkspaceId=WS, **extra)
    return {**wait_job(dataset_id, created['DatasetJobId'], version=version), 'DatasetJobId': created['DatasetJobId']}


def all_metas(dataset_id, **query):
    """Pages ListDatasetFileMetas with MaxResults/NextToken to the end."""
    items, token, pages = [], None, 0
    while True:
        page = call('ListDatasetFileMetas', dataset_id, DatasetVersion='v1', WorkspaceId=WS, MaxResults=7, **({'NextToken': token} if token else {}), **query)
        items += page.get('DatasetFileMetas') or []
        pages += 1
        token = page.get('NextToken')
        if not token:
            return items, page.get('TotalCount'), pages


def workflow():
    root = Path(ENV['PAI_SDK_ROOT'])
    photos = Path(ENV['PAI_SDK_DATASET_DIR'])
    photos_uri = photos.as_uri() + '/'
    key = ENV['PAI_SDK_MODEL_KEY']
    tag = ENV['PAI_SDK_TAG']

    # -- connections ------------------------------------------------------------------------------
    tagger = call(
        'CreateConnection', ConnectionName='qwen-vl', ConnectionType='OpenLLMConnection', Description='the VLM that tags',
        Accessibility='PRIVATE', WorkspaceId=WS, Configs={'base_url': ENV['PAI_SDK_CHAT_URL']}, Secrets={'api_key': key},
        Models=[{
            'Model': 'qwen-vl-max', 'ModelType': 'LLM', 'DisplayName': 'Qwen-VL Max', 'ToolCall': False,
            'MaxModelLength': 32768, 'SupportReasoning': False, 'SupportResponseSchema': True, 'SupportVision': True,
        }],
    )['ConnectionId']
    slow = call(
        'CreateConnection', ConnectionName='qwen-vl-slow', ConnectionType='OpenLLMConnection', WorkspaceId=WS,
        Configs={'base_url': ENV['PAI_SDK_SLOW_CHAT_URL']}, Secrets={'api_key': key}, Models=[{'Model': 'qwen-vl-max', 'ModelType': 'LLM'}],
    )['ConnectionId']
    embedder = call(
        'CreateConnection', ConnectionName='gme', ConnectionType='EasEmbeddingConnection', WorkspaceId=WS,
        Configs={'Endpoint': ENV['PAI_SDK_GME_URL']}, Secrets={'Token': key}, Models=[{'Model': 'gme-qwen2-vl-2b', 'ModelType': 'Embedding'}],
    )['ConnectionId']
    milvus = call(
        'CreateConnection', ConnectionName='milvus', ConnectionType='MilvusConnection', WorkspaceId=WS,
        Configs={'uri': 'http://127.0.0.1:9/', 'username': 'root'}, Secrets={'password': 'milvus-secret-not-to-leak'},
        ResourceMeta={'InstanceId': 'c-123', 'InstanceName': 'my-milvus', 'Extra': json.dumps({'zone': 'cn-hangzhou-h'})},
    )['ConnectionId']
    vectors = call('CreateConnection', ConnectionName='local-vectors', ConnectionType='LocalVectorConnection', WorkspaceId=WS, Configs={})['ConnectionId']
    got = call('GetConnection', tagger, WorkspaceId=WS, EncryptOption='Secret')
    steps['milvus_meta'] = call('GetConnection', milvus).get('ResourceMeta')
    steps['connection'] = {k: got.get(k) for k in ('ConnectionName', 'ConnectionType', 'Configs', 'Secrets', 'Description', 'WorkspaceId', 'Accessibility', 'Creator')}
    steps['connection_models'] = got.get('Models')
    listed = call('ListConnections', WorkspaceId=WS, ConnectionTypes=['OpenLLMConnection'], SortBy='GmtCreateTime', Order='ASC', MaxResults=10)
    steps['connections_openllm'] = [c['ConnectionName'] for c in listed.get('Connections') or []]
    steps['connections_max_results'] = listed.get('MaxResults')
    steps['connections_other_ws'] = call('ListConnections', WorkspaceId=OTHER_WS).get('TotalCount')
    steps['connections_filtered'] = [c['ConnectionName'] for c in call(
        'ListConnections', WorkspaceId=WS, Accessibility='PRIVATE', ConnectionIds=[tagger, slow, milvus], ConnectionName='qwen', Model='qwen-vl-max',
        ModelTypes=['LLM'], ToolCall=False, EncryptOption='Secret', Creator=ENV['PAI_SDK_AK_ID'],
    ).get('Connections') or []]
    first_page = call('ListConnections', WorkspaceId=WS, MaxResults=1)
    second_page = call('ListConnections', WorkspaceId=WS, MaxResults=1, NextToken=first_page['NextToken'])
    steps['connections_token_pages'] = [c['ConnectionId'] for c in first_page['Connections'] + second_page['Connections']]
    call(
        'UpdateConnection', tagger, Description='tags photos', Configs={'base_url': ENV['PAI_SDK_CHAT_URL']}, Secrets={'api_key': key},
        Models=[{'Model': 'qwen-vl-max', 'ModelType': 'LLM', 'DisplayName': 'Qwen-VL', 'ToolCall': False}],
    )
    steps['validate_saved'] = call('ValidateConnection', ConnectionId=tagger, ValidateType='Connectivity', WorkspaceId=WS)
    steps['validate_unsaved'] = call(
        'ValidateConnection', ConnectionType='OpenLLMConnection', Configs={'base_url': ENV['PAI_SDK_CHAT_URL']}, Secrets={'api_key': key},
        ValidateType='Connectivity', WorkspaceId=WS,
    )
    steps['validate_unreachable'] = call('ValidateConnection', ConnectionId=milvus, ValidateType='Connectivity', WorkspaceId=WS)

    # -- datasets and versions --------------------------------------------------------------------
    ds = call(
        'CreateDataset', Name='coco-sdk', Description='COCO photos', Property='DIRECTORY', DataSourceType='NAS', Uri=photos_uri,
        WorkspaceId=WS, Labels=[{'Key': 'team', 'Value': 'vision'}], Options=json.dumps({'note': 'made by the SDK suite'}),
        VersionDescription='first', VersionLabels=[{'Key': 'split', 'Value': 'train'}], Accessibility='PRIVATE', DataCount=102, DataSize=1,
        ImportInfo=json.dumps({'mountPath': '/mnt/data/coco'}), Provider='vision-team', ProviderType='User', SourceType='USER', SourceId='src-1',
        SourceDatasetId='d-source', SourceDatasetVersion='v3', UserId='1001', MountAccessReadWriteRoleIdList=['PAI.AlgoDeveloper'],
    )['DatasetId']
    steps['dry_run'] = call('CreateDataset', Name='coco-dry', Property='DIRECTORY', DataSourceType='NAS', Uri=photos_uri, WorkspaceId=WS, DryRun=True).get('DatasetId')
    basic = call('CreateDataset', Name='coco-basic', Property='DIRECTORY', DataSourceType='NAS', DataType='COMMON', Edition='BASIC', Uri=photos_uri, WorkspaceId=WS)['DatasetId']
    got = call('GetDataset', ds)
    steps['dataset'] = {k: got.get(k) for k in ('Name', 'DataType', 'Edition', 'Property', 'DataSourceType', 'WorkspaceId', 'Labels', 'Options', 'Uri', 'Accessibility', 'OwnerId')}
    steps['dataset_latest_version'] = (got.get('LatestVersion') or {}).get('VersionName')
    steps['version_dry_run'] = call('CreateDatasetVersion', ds, Property='DIRECTORY', DataSourceType='NAS', Uri=photos_uri, DryRun=True).get('VersionName')
    v2 = call(
        'CreateDatasetVersion', ds, Property='DIRECTORY', DataSourceType='NAS', Uri=photos_uri, Description='second', Labels=[{'Key': 'split', 'Value': 'val'}], Options='{}',
        ImportInfo=json.dumps({'mountPath': '/mnt/data/coco'}), SourceType='USER', SourceId='src-2',
    )
    steps['version_created'] = v2.get('VersionName')
    steps['datasets_page'] = [d['Name'] for d in call('ListDatasets', WorkspaceId=WS, PageNumber=1, PageSize=1, SortBy='GmtCreateTime', Order='ASC')['Datasets']]
    steps['datasets_page2'] = [d['Name'] for d in call('ListDatasets', WorkspaceId=WS, PageNumber=2, PageSize=1, SortBy='GmtCreateTime', Order='ASC')['Datasets']]
    steps['datasets_other_ws'] = call('ListDatasets', WorkspaceId=OTHER_WS).get('TotalCount')
    steps['datasets_by_label'] = [d['Name'] for d in call('ListDatasets', WorkspaceId=WS, Label='team', Edition='BASIC', DataTypes='COMMON').get('Datasets') or []]
    steps['datasets_filtered'] = [d['Name'] for d in call(
        'ListDatasets', WorkspaceId=WS, Accessibility='PRIVATE', DataSourceTypes='NAS', DatasetIds=f'{ds},{basic}', Name='coco', Properties='DIRECTORY',
        Provider='vision-team', SourceDatasetId='d-source', SourceId='src-1', SourceTypes='USER',
    ).get('Datasets') or []]
    call('UpdateDataset', basic, Name='coco-basic-2', Accessibility='PRIVATE', Edition='ADVANCED', MountAccessReadWriteRoleIdList=['PAI.AlgoDeveloper'], AccessibleRoleIdList=[])
    steps['basic_updated'] = {k: call('GetDataset', basic).get(k) for k in ('Name', 'Edition')}

    # -- file metadata --------------------------------------------------------------------------------
    build = run_job(ds, 'FileMetaBuild', {}, Description='metadata', JobMode='Full')
    steps['build'] = {k: build.get(k) for k in ('Status', 'TotalFileCount', 'CompletedFileCount', 'FailedFileCount', 'JobAction', 'Description')}
    steps['build_logs_are_strings'] = all(isinstance(x, str) for x in build.get('Logs') or [None])
    steps['build_times'] = bool(build.get('CreateTime')) and bool(build.get('FinishTime'))
    run_job(ds, 'FileMetaBuild', {}, version='v2')
    pages = [call('ListDatasetJobs', ds, WorkspaceId=WS, PageNumber=n, PageSize=1, SortBy='CreateTime', Order='ASC') for n in (1, 2, 3)]
    steps['jobs_pages'] = [[j['DatasetVersion'] for j in p.get('DatasetJobs') or []] for p in pages]
    steps['jobs_total'] = pages[0].get('TotalCount')
    steps['jobs_with_logs'] = all(j.get('Logs') for j in call('ListDatasetJobs', ds, WorkspaceId=WS, WithLogs=True, JobAction='FileMetaBuild', Status='Succeeded', DatasetVersion='v1')['DatasetJobs'])

    # -- tagging with a prompt ------------------------------------------------------------------------
    prompt = call(
        'CreatePrompt', PromptName='coco-tags', Description='everyday photos', Accessibility='PRIVATE', WorkspaceId=WS,
        FrameworkType='TagDefinition',
        FrameworkContent=json.dumps({
            'GuidePrompt': 'You label everyday photos.',
            'Tags': [{'Name': 'person', 'Description': 'a person is visible'}, {'Name': 'scene', 'Description': 'where it is', 'Values': ['indoor', 'outdoor']}],
        }),
    )['PromptId']
    steps['prompt'] = {k: v for k, v in call('GetPrompt', prompt, WorkspaceId=WS).items() if k != 'RequestId'}
    steps['prompts'] = [p.get('PromptName') for p in call('ListPrompts', WorkspaceId=WS).get('Prompts') or []]
    steps['prompts_page'] = [p.get('PromptName') for p in call('ListPrompts', WorkspaceId=WS, FrameworkType='TagDefinition', PageNumber='1', PageSize='10', SortBy='GmtCreateTime', Order='DESC').get('Prompts') or []]
    call('UpdatePrompt', prompt, Description='everyday photos, tagged', WorkspaceId=WS, FrameworkType='TagDefinition', FrameworkContent=json.dumps({
        'GuidePrompt': 'You label everyday photos.',
        'Tags': [{'Name': 'person', 'Description': 'a person is visible'}, {'Name': 'scene', 'Description': 'where it is', 'Values': ['indoor', 'outdoor']}],
    }))
    tagged = run_job(ds, 'IntelligentTag', {'intelligentTagConnectionId': tagger, 'modelId': 'qwen-vl-max', 'promptId': prompt})
    steps['tag_job'] = {k: tagged.get(k) for k in ('Status', 'TotalFileCount', 'CompletedFileCount', 'FailedFileCount')}

    # -- semantic index ------------------------------------------------------------------------------
    indexed = run_job(ds, 'SemanticIndex', {
        'contentList': ['file'], 'embeddingConnectionId': embedder, 'embeddingModel': 'gme-qwen2-vl-2b',
        'databaseConnectionId': vectors, 'databaseTableName': 'coco_sdk',
        'vectorIndexConfig': json.dumps({'shards': 1, 'similarity': 'cosine', 'indexType': 'hnsw', 'indexOptions': {'m': 16, 'efConstruction': 128}}),
        'concurrency': 4,
    })
    steps['index_job'] = {k: indexed.get(k) for k in ('Status', 'TotalFileCount', 'CompletedFileCount', 'FailedFileCount')}

    # -- search --------------------------------------------------------------------------------------
    everything, total, n_pages = all_metas(ds, QueryType='TAG')
    steps['all'] = {'count': len(everything), 'total': total, 'pages': n_pages, 'distinct': len({m['DatasetFileMetaId'] for m in everything})}
    first = everything[0]
    steps['meta_shape'] = {
        'Tags': type(first.get('Tags')).__name__, 'MetaAttributes': type(first.get('MetaAttributes')).__name__, 'FileType': first.get('FileType'),
        'ContentType': first.get('ContentType'), 'Status': first.get('Status'), 'ThumbnailUrl': first.get('ThumbnailUrl', '')[:7],
        'DownloadUrl': first.get('DownloadUrl', '')[:7],
    }
    ai_tags = sorted({t for m in everything for t in json.loads(m['Tags']).get('ai', [])})
    steps['ai_tags'] = ai_tags
    some_ai = ai_tags[0]
    tag_hits, tag_total, _ = all_metas(ds, QueryType='TAG', QueryTagsIncludeAny=[some_ai])
    steps['tag_search'] = {'tag': some_ai, 'all_carry': all(some_ai in json.loads(m['Tags'])['ai'] for m in tag_hits), 'count': len(tag_hits), 'total': tag_total}
    excluded, _, _ = all_metas(ds, QueryType='TAG', QueryTagsExclude=[some_ai], QueryTagsIncludeAll=[])
    steps['tag_exclude_disjoint'] = not ({m['DatasetFileMetaId'] for m in excluded} & {m['DatasetFileMetaId'] for m in tag_hits}) and len(excluded) + len(tag_hits) == len(everything)
    mix = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryType='MIX', QueryText=tag, TopK=5, MaxResults=5)
    steps['mix'] = {'count': len(mix.get('DatasetFileMetas') or []), 'scored': all(m.get('Score') is not None for m in mix['DatasetFileMetas'])}
    vec = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryType='VECTOR', QueryText=tag, TopK=5, ScoreThreshold=0.1)
    steps['vector'] = {'scores': [m.get('Score') for m in vec.get('DatasetFileMetas') or []]}
    by_image = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryType='VECTOR', QueryImage=first['Uri'], TopK=3)
    steps['image_search_first'] = (by_image.get('DatasetFileMetas') or [{}])[0].get('DatasetFileMetaId') == first['DatasetFileMetaId']
    single = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryExpression=f"Tags.ai:'{some_ai}'", MaxResults=100)
    double = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryExpression=f'Tags.ai:"{some_ai}"', MaxResults=100)
    steps['dsl_quotes'] = {'single': single.get('TotalCount'), 'double': double.get('TotalCount'), 'tag': tag_total}
    name = first['FileName']
    steps['filters'] = {
        'name': call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryFileName=name).get('TotalCount'),
        'dir': call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryFileDir='').get('TotalCount'),
        'file_type_image': call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryFileTypeIncludeAny=['image']).get('TotalCount'),
        'file_type_video': call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryFileTypeIncludeAny=['video']).get('TotalCount'),
        'content_type_jpeg': call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryContentTypeIncludeAny=['image/jpeg']).get('TotalCount'),
        'update_window': call(
            'ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, StartFileUpdateTime='2000-01-01T00:00:00.000Z', EndFileUpdateTime='2100-01-01T00:00:00.000Z',
        ).get('TotalCount'),
        'tag_window': call(
            'ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, StartTagUpdateTime='2000-01-01T00:00:00.000Z', EndTagUpdateTime='2100-01-01T00:00:00.000Z',
        ).get('TotalCount'),
        'ids': call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, DatasetFileMetaIds=[m['DatasetFileMetaId'] for m in everything[:3]]).get('TotalCount'),
        'status_all': call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, Status='ALL').get('TotalCount'),
        'page_size': len(call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, PageSize=4).get('DatasetFileMetas') or []),
        'sorted_names': [
            m['FileName'] for m in call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, SortBy='FileCreateTime', Order='ASC', MaxResults=3)['DatasetFileMetas']
        ],
    }
    thumb = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, ThumbnailMode='p_50', MaxResults=1)['DatasetFileMetas'][0]['ThumbnailUrl']
    with urllib.request.urlopen(thumb, timeout=30) as r:  # an absolute signed URL: no credentials needed
        steps['thumbnail'] = {'status': r.status, 'type': r.headers.get('Content-Type'), 'bytes': len(r.read()) > 100}
    meta = call('GetDatasetFileMeta', ds, first['DatasetFileMetaId'], DatasetVersion='v1', WorkspaceId=WS)
    steps['get_meta'] = {'id': meta['DatasetFileMeta']['DatasetFileMetaId'], 'DatasetId': meta.get('DatasetId'), 'DatasetVersion': meta.get('DatasetVersion'), 'WorkspaceId': meta.get('WorkspaceId')}

    # -- writing metadata ------------------------------------------------------------------------------
    upd = call(
        'UpdateDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS,
        DatasetFileMetas=[
            {'DatasetFileMetaId': first['DatasetFileMetaId'], 'Tags': json.dumps({'user': {'add': ['sdk-favourite'], 'remove': []}, 'user-delete-ai-tags': {'add': [], 'remove': []}}), 'Comment': 'checked by hand'},
            {'DatasetFileMetaId': 'no-such-meta', 'Tags': json.dumps({'user': {'add': ['x']}})},
        ],
    )
    # AI tags set by hand need the IntelligentTag job they stand for; file facts are Loupe's (that item fails, naming its Uri).
    second = everything[1]
    facts = call(
        'UpdateDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, TagJobId=tagged['DatasetJobId'],
        DatasetFileMetas=[
            {'DatasetFileMetaId': second['DatasetFileMetaId'], 'Tags': json.dumps({'ai': ['person']}), 'MetaAttributes': json.dumps({'Reviewer': 'sdk'})},
            {'DatasetFileMetaId': everything[2]['DatasetFileMetaId'], 'DataSize': 1, 'FileName': 'renamed.jpg', 'FileType': 'text', 'ContentType': 'text/plain',
             'FileFingerPrint': 'x', 'FileCreateTime': '2020-01-01T00:00:00.000Z', 'FileUpdateTime': '2020-01-01T00:00:00.000Z',
             'SemanticIndexJobId': 'job-x', 'SemanticIndexUpdateTime': '2020-01-01T00:00:00.000Z'},
        ],
    )
    steps['update_facts'] = {'Status': facts.get('Status'), 'failed_uri': [f.get('Uri') for f in facts.get('FailedDetails') or []] == [everything[2]['Uri']]}
    again = call('GetDatasetFileMeta', ds, second['DatasetFileMetaId'], DatasetVersion='v1', WorkspaceId=WS)['DatasetFileMeta']
    steps['update_ai'] = {'ai': json.loads(again['Tags']).get('ai'), 'reviewer': json.loads(again['MetaAttributes']).get('Reviewer')}
    steps['update'] = {'Status': upd.get('Status'), 'failed': [f.get('DatasetFileMetaId') for f in upd.get('FailedDetails') or []]}
    fav = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryType='TAG', QueryTagsIncludeAny=['sdk-favourite'])
    steps['favourite'] = [m['DatasetFileMetaId'] for m in fav.get('DatasetFileMetas') or []] == [first['DatasetFileMetaId']]
    steps['stats_user'] = call('GetDatasetFileMetasStatistics', ds, DatasetVersion='v1', WorkspaceId=WS, AggregateBy='tags.user', MaxResults=10)
    steps['stats_filetype'] = call('GetDatasetFileMetasStatistics', ds, DatasetVersion='v1', WorkspaceId=WS, AggregateBy='filetype')
    steps['stats_total'] = call('GetDatasetFileMetasStatistics', ds, DatasetVersion='v1', WorkspaceId=WS)
    extra = photos_uri + 'not-listed-yet.jpg'
    created = call(
        'CreateDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS,
        DatasetFileMetas=[
            {'Uri': extra, 'FileName': 'not-listed-yet.jpg', 'FileType': 'image', 'ContentType': 'image/jpeg', 'DataSize': 1234, 'FileFingerPrint': 'fp-1',
             'FileCreateTime': '2025-01-12T14:36:01.001Z', 'FileUpdateTime': '2025-01-12T14:36:01.001Z', 'MetaAttributes': json.dumps({'Image': {'Width': 640, 'Height': 480}}),
             'Tags': json.dumps({'user': ['registered']}), 'Comment': 'registered through the SDK'},
            {'Uri': 'file:///etc/passwd', 'FileName': 'passwd', 'FileType': 'text', 'ContentType': 'text/plain', 'FileFingerPrint': 'x', 'FileUpdateTime': '2025-01-12T14:36:01.001Z'},
        ],
    )
    steps['create_metas'] = {'Status': created.get('Status'), 'ok': len(created.get('SucceedDetails') or []), 'failed': [f.get('Uri') for f in created.get('FailedDetails') or []]}
    new_id = (created.get('SucceedDetails') or [{}])[0].get('DatasetFileMetaId')
    of_v2 = call('ListDatasetFileMetas', ds, DatasetVersion='v2', WorkspaceId=WS, MaxResults=1)['DatasetFileMetas'][0]['DatasetFileMetaId']
    deleted = call('DeleteDatasetFileMetas', ds, DatasetFileMetaIds=f'{new_id},no-such-meta,{of_v2}', DatasetVersion='v1', WorkspaceId=WS)
    steps['delete_metas'] = {
        'Status': deleted.get('Status'), 'failed': [f.get('DatasetFileMetaId') for f in deleted.get('FailedDetails') or []],
        'failed_v2_uri': any(f.get('Uri') for f in deleted.get('FailedDetails') or []),
    }
    steps['deleted_listed'] = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, Status='DELETED', DatasetFileMetaIds=[new_id]).get('TotalCount')

    # -- export ------------------------------------------------------------------------------------------
    out = root / 'exports'
    out.mkdir(exist_ok=True)
    steps['export_expected'] = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=WS, QueryType='TAG', QueryTagsIncludeAny=[some_ai]).get('TotalCount')
    exported = run_job(ds, 'FileMetaExport', {
        'query': {'QueryType': 'TAG', 'QueryTagsIncludeAny': [some_ai]}, 'exportDirUri': out.as_uri() + '/', 'filteredAttributes': 'Uri,FileName,Tags',
    })
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    steps['export'] = {'Status': exported.get('Status'), 'folders': folders}
    if folders:
        folder = out / folders[0]
        steps['export_files'] = sorted(p.name for p in folder.iterdir())
        lines = [json.loads(l) for f in folder.iterdir() if f.suffix in ('.jsonl', '.json') and f.name != 'export.json' for l in f.read_text().splitlines() if l.strip()]
        steps['export_lines'] = {'count': len(lines), 'keys': sorted({k for l in lines for k in l})}

    # -- import: the export back into the other dataset over the same photos ----------------------------------
    if folders:
        imported = run_job(basic, 'FileMetaImport', {'manifestUri': (out / folders[0]).as_uri() + '/', 'importMode': 'append', 'filteredAttributes': 'Uri,Tags'})
        steps['import'] = {k: imported.get(k) for k in ('Status', 'TotalFileCount', 'CompletedFileCount', 'FailedFileCount')}
        steps['imported_pending'] = call('ListDatasetFileMetas', basic, DatasetVersion='v1', WorkspaceId=WS, Status='ALL').get('TotalCount')

    # -- labels, versions, job configs, job management ---------------------------------------------------
    call('CreateDatasetLabels', ds, Labels=[{'Key': 'owner', 'Value': 'sdk'}, {'Key': 'team', 'Value': 'perception'}])
    call('DeleteDatasetLabels', ds, LabelKeys='owner')
    call('CreateDatasetVersionLabels', ds, 'v2', Labels=[{'Key': 'reviewed', 'Value': 'yes'}])
    call('DeleteDatasetVersionLabels', ds, 'v2', Keys='split')
    steps['labels'] = call('GetDataset', ds).get('Labels')
    steps['version_labels'] = call('GetDatasetVersion', ds, 'v2').get('Labels')
    call('UpdateDatasetVersion', ds, 'v2', Description='second, reviewed', Options=json.dumps({'reviewed': True}))
    versions = call('ListDatasetVersions', ds, PageNumber=1, PageSize=1, SortBy='GmtCreateTime', Order='DESC', LabelKeys='reviewed')
    steps['versions'] = {'names': [v['VersionName'] for v in versions.get('DatasetVersions') or []], 'total': versions.get('TotalCount'), 'page': versions.get('PageNumber'), 'size': versions.get('PageSize')}
    steps['versions_filtered'] = [v['VersionName'] for v in call(
        'ListDatasetVersions', ds, PageNumber=1, PageSize=10, LabelValues='yes', Properties='DIRECTORY', SourceId='src-2', SourceTypes='USER',
    ).get('DatasetVersions') or []]
    call('UpdateDataset', ds, Description='COCO photos, tagged', Options=json.dumps({'note': 'updated'}))
    share = {'WorkspaceId': OTHER_WS, 'TenantId': 't-1', 'SourceTenantId': 't-1', 'SourceWorkspaceId': WS, 'AllowedMountAccessLevels': ['RO'],
             'ExpiresAt': '2099-01-01T00:00:00.000Z', 'IsSecureMode': False, 'Extra': json.dumps({'why': 'review'}), 'SharedAt': '2026-01-01T00:00:00.000Z', 'Status': 'ACTIVE'}
    call('UpdateDataset', ds, SharingConfig={'SharedTo': [share]})
    owner_view = call('GetDataset', ds)
    steps['sharing_owner'] = {'to': [t.get('WorkspaceId') for t in (owner_view.get('SharingConfig') or {}).get('SharedTo') or []], 'IsShared': owner_view.get('IsShared')}
    shared = call('ListDatasets', WorkspaceId=OTHER_WS, ShareScope='TO_ME').get('Datasets') or []
    steps['sharing_other'] = [{'Name': d.get('Name'), 'IsShared': d.get('IsShared'), 'from': (d.get('SharedFrom') or {}).get('SourceWorkspaceId')} for d in shared]
    steps['sharing_by_me'] = [d.get('Name') for d in call('ListDatasets', WorkspaceId=WS, ShareScope='BY_ME').get('Datasets') or []]
    steps['sharing_other_reads'] = call('ListDatasetFileMetas', ds, DatasetVersion='v1', WorkspaceId=OTHER_WS, MaxResults=1).get('TotalCount')
    call('PublishDataset', ds)
    steps['published'] = call('GetDataset', ds).get('Accessibility')

    cfg = call('CreateDatasetJobConfig', ds, ConfigType='MultimodalIntelligentTag', Config=json.dumps({'apiKey': 'cfg-secret'}), DatasetVersion='v1', WorkspaceId=WS)['DatasetJobConfigId']
    call('CreateDatasetJobConfig', ds, ConfigType='MultimodalSemanticIndex', Config=json.dumps({'defaultModelId': 'gme-qwen2-vl-2b'}), WorkspaceId=WS)
    steps['job_configs'] = [c.get('ConfigType') for c in call('ListDatasetJobConfigs', ds, WorkspaceId=WS, PageNumber=1, PageSize=10).get('DatasetJobConfigs') or []]
    steps['job_configs_v1_tag'] = [c.get('DatasetJobConfigId') for c in call(
        'ListDatasetJobConfigs', ds, WorkspaceId=WS, ConfigType='MultimodalIntelligentTag', DatasetVersion='v1', PageNumber=1, PageSize=10,
    ).get('DatasetJobConfigs') or []] == [cfg]
    call('UpdateDatasetJobConfig', ds, cfg, ConfigType='MultimodalIntelligentTag', Config=json.dumps({'apiKey': 'cfg-secret-2'}), WorkspaceId=WS)
    steps['job_config'] = {k: v for k, v in call('GetDatasetJobConfig', ds, cfg, WorkspaceId=WS).items() if k in ('ConfigType', 'DatasetId', 'WorkspaceId')}
    call('DeleteDatasetJobConfig', ds, cfg, WorkspaceId=WS)

    call('UpdateDatasetJob', ds, build['DatasetJobId'], Description='metadata, first run', DatasetVersion='v1', WorkspaceId=WS)
    job_ids = [j['DatasetJobId'] for j in call('ListDatasetJobs', ds, WorkspaceId=WS, JobAction='FileMetaBuild', DatasetVersion='v2')['DatasetJobs']]
    call('DeleteDatasetJob', ds, job_ids[0])
    steps['job_deleted'] = call('ListDatasetJobs', ds, WorkspaceId=WS, JobAction='FileMetaBuild', DatasetVersion='v2').get('TotalCount')

    running = call('CreateDatasetJob', ds, DatasetVersion='v1', JobAction='IntelligentTag', JobMode='Full', WorkspaceId=WS,
                   JobSpec=json.dumps({'intelligentTagConnectionId': slow, 'modelId': 'qwen-vl-max', 'promptId': prompt}))['DatasetJobId']
    call('StopDatasetJob', ds, running, DatasetVersion='v1', WorkspaceId=WS)
    steps['stopped'] = wait_job(ds, running)['Status']

    # -- errors as PAI's SDK sees them -----------------------------------------------------------------------
    steps['error_unknown_dataset'] = call('GetDataset', 'd-nope', expect_error=True)
    steps['error_bad_status'] = call('ListDatasetFileMetas', ds, DatasetVersion='v1', QueryVideo='x', expect_error=True)

    # -- clean up ----------------------------------------------------------------------------------------------
    call('DeletePrompt', prompt, WorkspaceId=WS)
    call('DeleteConnection', milvus)
    call('DeleteDatasetVersion', ds, 'v2')
    call('DeleteDataset', basic)
    steps['bearer_list'] = call('ListDatasets', sdk=bearer, WorkspaceId=WS).get('TotalCount')


if __name__ == '__main__':
    try:
        workflow()
    except Exception:
        steps['failed'] = traceback.format_exc()[-3000:]
    json.dump({'steps': steps, 'calls': calls}, sys.stdout)
