"""Authentication through PAI's own Python SDK (alibabacloud-aiworkspace20210204), against Loupe.

Env: PAI_SDK_HOST, PAI_SDK_PORT (Loupe on loopback), PAI_SDK_AK_ID / PAI_SDK_AK_SECRET (an AccessKey
pair from LOUPE_ACCESS_KEYS), PAI_SDK_BEARER (a Loupe API key), PAI_SDK_DATASET_URI (a folder Loupe
may read). Prints one JSON object: each call's outcome, as the SDK decoded it.
"""
import json
import os

from alibabacloud_aiworkspace20210204 import models
from alibabacloud_aiworkspace20210204.client import Client
from alibabacloud_tea_openapi import models as open_api_models

ENDPOINT = f"{os.environ['PAI_SDK_HOST']}:{os.environ['PAI_SDK_PORT']}"


def client(**credential):
    return Client(open_api_models.Config(endpoint=ENDPOINT, protocol='http', **credential))


def outcome(call):
    try:
        response = call()
        return {'ok': True, 'status': response.status_code, 'body': response.body.to_map()}
    except Exception as e:  # the SDK raises ClientException with the HTTP status and PAI's Code
        return {'ok': False, 'status': getattr(e, 'status_code', None), 'code': getattr(e, 'code', None), 'error': type(e).__name__}


ak = client(access_key_id=os.environ['PAI_SDK_AK_ID'], access_key_secret=os.environ['PAI_SDK_AK_SECRET'])
results = {
    'ak_list': outcome(lambda: ak.list_datasets(models.ListDatasetsRequest(page_size=10, name='a b*'))),
    # A POST: its JSON body's SHA-256 is what the signature vouches for.
    'ak_create': outcome(lambda: ak.create_dataset(models.CreateDatasetRequest(name='sdk-signed', uri=os.environ['PAI_SDK_DATASET_URI']))),
    'bearer_list': outcome(lambda: client(bearer_token=os.environ['PAI_SDK_BEARER']).list_datasets(models.ListDatasetsRequest())),
    'wrong_secret': outcome(
        lambda: client(access_key_id=os.environ['PAI_SDK_AK_ID'], access_key_secret='not-the-secret').list_datasets(models.ListDatasetsRequest())
    ),
    'unknown_key': outcome(lambda: client(access_key_id='LTAInobody', access_key_secret='x').list_datasets(models.ListDatasetsRequest())),
    'wrong_bearer': outcome(lambda: client(bearer_token='not-a-key').list_datasets(models.ListDatasetsRequest())),
}
print(json.dumps(results))
