// PAI's Go SDK as a judge of Loupe (issue 11): a dataset workflow run through darabonba-openapi's own
// client (it signs every request with ACS3-HMAC-SHA256 and an AccessKey pair) and decoded by
// dara.Convert (jsoniter, case-sensitive, with the fuzzy decoders that reject an object where the
// SDK has a string) into the SDK's response structs, mirrored in sdk_models.go / sdk_operations.go
// because the Go module proxy does not serve github.com/alibabacloud-go/aiworkspace-20210204.
//
// The workflow is test/pai-sdk/workflow.py's (the Python SDK's), call for call where it matters:
// connections, ValidateConnection, datasets, versions, labels, sharing, PublishDataset, FileMetaBuild,
// a Prompt, IntelligentTag, SemanticIndex, every kind of search, statistics, metadata writes,
// FileMetaExport and FileMetaImport, job configs, job updates/deletes/stop, deletes — 43 operations.
//
// Env: PAI_SDK_HOST, PAI_SDK_PORT (Loupe on loopback), PAI_SDK_AK_ID / PAI_SDK_AK_SECRET (a pair of
// LOUPE_ACCESS_KEYS), PAI_SDK_DATASET_URI (a folder of images Loupe may read), PAI_SDK_ROOT (a folder
// Loupe may write: the export goes to <root>/exports), PAI_SDK_CHAT_URL / PAI_SDK_SLOW_CHAT_URL (an
// OpenAI-compatible VLM; the slow one for the stop step), PAI_SDK_GME_URL (a GME embedding service),
// PAI_SDK_MODEL_KEY (their key), PAI_SDK_BEARER (a Loupe API key: the SDK's bearer credential, sent
// as x-acs-bearer-token).
// Calls are named "<Operation>" or "<Operation>.<step>"; "fs.<step>" entries are facts read from disk.
// Prints one JSON object: per call, {ok, status, error?, code?, values?}. A call whose response the
// SDK cannot decode is ok:false with the decoder's error, and the workflow goes on where it can.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

// statusRecorder is the HTTP client darabonba-openapi sends through (Config.HttpClient): the
// transport the runtime built, unchanged, plus a note of the last status code, so that a call whose
// body fails to decode still reports the status it got.
type statusRecorder struct {
	mu   sync.Mutex
	last int
}

func (r *statusRecorder) Call(request *http.Request, transport *http.Transport) (*http.Response, error) {
	response, err := (&http.Client{Transport: transport, Timeout: 30 * time.Second}).Do(request)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = 0
	if response != nil {
		r.last = response.StatusCode
	}
	return response, err
}

func (r *statusRecorder) take() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := r.last
	r.last = 0
	return last
}

type outcome struct {
	OK     bool                   `json:"ok"`
	Status int                    `json:"status,omitempty"`
	Error  string                 `json:"error,omitempty"`
	Code   string                 `json:"code,omitempty"`
	Values map[string]interface{} `json:"values,omitempty"`
}

type workflow struct {
	client   *Client
	recorder *statusRecorder
	results  map[string]*outcome
}

// call runs one SDK operation and records its outcome; values is read only when the call succeeded.
func (w *workflow) call(name string, run func() (interface{}, error), values func() map[string]interface{}) bool {
	_, err := run()
	o := &outcome{Status: w.recorder.take()}
	w.results[name] = o
	if err != nil {
		var sdkErr *tea.SDKError
		if errors.As(err, &sdkErr) {
			o.Status = dara.IntValue(sdkErr.StatusCode)
			o.Code = dara.StringValue(sdkErr.Code)
			o.Error = dara.StringValue(sdkErr.Message)
		} else {
			// Not an HTTP error: the response arrived (status above) and dara.Convert rejected it.
			o.Error = "decode: " + err.Error()
		}
		return false
	}
	return w.read(o, values)
}

// read fills in the decoded values; a response that lacks what the workflow reads (e.g. no body) is a
// failure of that call, not a crash of the run.
func (w *workflow) read(o *outcome, values func() map[string]interface{}) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			o.OK, o.Values, o.Error, ok = false, nil, fmt.Sprintf("decoded response unusable: %v", p), false
		}
	}()
	o.Values = values()
	o.OK = true
	return true
}

func env(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fmt.Fprintf(os.Stderr, "%s is not set\n", name)
		os.Exit(2)
	}
	return value
}

func str(s *string) interface{} {
	if s == nil {
		return nil
	}
	return *s
}

func num[T int32 | int64](n *T) interface{} {
	if n == nil {
		return nil
	}
	return *n
}

func strs(list []*string) []interface{} {
	out := []interface{}{}
	for _, s := range list {
		out = append(out, str(s))
	}
	return out
}

func strMap(m map[string]*string) map[string]interface{} {
	if m == nil {
		return nil
	}
	out := map[string]interface{}{}
	for k, v := range m {
		out[k] = str(v)
	}
	return out
}

func main() {
	recorder := &statusRecorder{}
	newClient := func(config *openapiutil.Config) *Client {
		config.Endpoint = dara.String(env("PAI_SDK_HOST") + ":" + env("PAI_SDK_PORT"))
		config.Protocol = dara.String("http")
		config.HttpClient = recorder
		client, err := NewClient(config)
		if err != nil {
			fmt.Fprintln(os.Stderr, "client:", err)
			os.Exit(1)
		}
		return client
	}
	accessKey := &openapiutil.Config{AccessKeyId: dara.String(env("PAI_SDK_AK_ID")), AccessKeySecret: dara.String(env("PAI_SDK_AK_SECRET"))}
	w := &workflow{client: newClient(accessKey), recorder: recorder, results: map[string]*outcome{}}
	w.run()

	// The other credentials: a bearer key (x-acs-bearer-token), and a wrong secret (expected: 401).
	for name, config := range map[string]*openapiutil.Config{
		"auth.bearer":      {BearerToken: dara.String(env("PAI_SDK_BEARER"))},
		"auth.wrongSecret": {AccessKeyId: dara.String(env("PAI_SDK_AK_ID")), AccessKeySecret: dara.String("not-the-secret")},
	} {
		other := &workflow{client: newClient(config), recorder: recorder, results: w.results}
		var listed *ListDatasetsResponse
		other.call(name, func() (r interface{}, err error) {
			listed, err = other.client.ListDatasets(&ListDatasetsRequest{PageNumber: dara.Int32(1), PageSize: dara.Int32(10)})
			return listed, err
		}, func() map[string]interface{} {
			return map[string]interface{}{"TotalCount": num(listed.Body.TotalCount)}
		})
	}
	out, _ := json.Marshal(w.results)
	fmt.Println(string(out))
}

var jobEnded = map[string]bool{"Succeeded": true, "Failed": true, "PartialFailed": true, "ManuallyStop": true, "Stopped": true}

const (
	WS      = "1234" // the workspace everything is created in
	OtherWS = "5678"
)

type values = map[string]interface{}

// do runs one SDK operation as call does, keeping the typed response.
func do[R any](w *workflow, name string, run func() (R, error), read func(R) values) (R, bool) {
	var r R
	ok := w.call(name, func() (interface{}, error) {
		var err error
		r, err = run()
		return r, err
	}, func() map[string]interface{} {
		if read == nil {
			return nil
		}
		return read(r)
	})
	return r, ok
}

// fact records something the workflow read off the disk (not a call).
func (w *workflow) fact(name string, v values) { w.results[name] = &outcome{OK: true, Values: v} }

func jsonString(v interface{}) *string {
	b, _ := json.Marshal(v)
	return dara.String(string(b))
}

func aiTags(tags *string) []string {
	var parsed struct {
		AI []string `json:"ai"`
	}
	_ = json.Unmarshal([]byte(dara.StringValue(tags)), &parsed)
	return parsed.AI
}

func labels(list []*Label) []interface{} {
	out := []interface{}{}
	for _, l := range list {
		out = append(out, values{"Key": str(l.Key), "Value": str(l.Value)})
	}
	return out
}

func jobValues(b *GetDatasetJobResponseBody) values {
	return values{
		"Status": str(b.Status), "JobAction": str(b.JobAction), "Description": str(b.Description), "TotalFileCount": num(b.TotalFileCount),
		"CompletedFileCount": num(b.CompletedFileCount), "FailedFileCount": num(b.FailedFileCount),
		"CreateTime": str(b.CreateTime), "FinishTime": str(b.FinishTime), "Logs": strs(b.Logs),
	}
}

// waitJob polls GetDatasetJob (recorded as GetDatasetJob.<name>, the last poll) until the job ends.
func (w *workflow) waitJob(name string, datasetID, jobID, version *string) *GetDatasetJobResponseBody {
	for deadline := time.Now().Add(120 * time.Second); ; {
		polled, ok := do(w, "GetDatasetJob."+name, func() (*GetDatasetJobResponse, error) {
			return w.client.GetDatasetJob(datasetID, jobID, &GetDatasetJobRequest{DatasetVersion: version, WorkspaceId: dara.String(WS)})
		}, func(r *GetDatasetJobResponse) values { return jobValues(r.Body) })
		if !ok {
			return nil
		}
		if jobEnded[dara.StringValue(polled.Body.Status)] || time.Now().After(deadline) {
			return polled.Body
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// runJob creates a job (CreateDatasetJob.<name>) and waits for its end; nil when a call failed.
func (w *workflow) runJob(name string, datasetID *string, version, action string, spec interface{}, description string) (*string, *GetDatasetJobResponseBody) {
	req := &CreateDatasetJobRequest{DatasetVersion: dara.String(version), JobAction: dara.String(action), JobSpec: jsonString(spec), WorkspaceId: dara.String(WS)}
	if description != "" {
		req.Description, req.JobMode = dara.String(description), dara.String("Full")
	}
	created, ok := do(w, "CreateDatasetJob."+name, func() (*CreateDatasetJobResponse, error) { return w.client.CreateDatasetJob(datasetID, req) },
		func(r *CreateDatasetJobResponse) values { return values{"DatasetJobId": str(r.Body.DatasetJobId)} })
	if !ok {
		return nil, nil
	}
	return created.Body.DatasetJobId, w.waitJob(name, datasetID, created.Body.DatasetJobId, dara.String(version))
}

func (w *workflow) run() {
	c := w.client
	ws, v1, v2 := dara.String(WS), dara.String("v1"), dara.String("v2")
	key := env("PAI_SDK_MODEL_KEY")
	chatURL, slowURL, gmeURL := env("PAI_SDK_CHAT_URL"), env("PAI_SDK_SLOW_CHAT_URL"), env("PAI_SDK_GME_URL")
	photos, root := env("PAI_SDK_DATASET_URI"), env("PAI_SDK_ROOT")

	// -- connections --------------------------------------------------------------------------------
	connection := func(name string, req *CreateConnectionRequest) *string {
		req.WorkspaceId = ws
		r, ok := do(w, "CreateConnection."+name, func() (*CreateConnectionResponse, error) { return c.CreateConnection(req) },
			func(r *CreateConnectionResponse) values { return values{"ConnectionId": str(r.Body.ConnectionId)} })
		if !ok {
			return nil
		}
		return r.Body.ConnectionId
	}
	llm := []*CreateConnectionRequestModels{{Model: dara.String("qwen-vl-max"), ModelType: dara.String("LLM"), SupportVision: dara.Bool(true)}}
	tagger := connection("tagger", &CreateConnectionRequest{
		ConnectionName: dara.String("qwen-vl"), ConnectionType: dara.String("OpenLLMConnection"), Accessibility: dara.String("PRIVATE"),
		Configs: map[string]*string{"base_url": dara.String(chatURL)}, Secrets: map[string]*string{"api_key": dara.String(key)}, Models: llm,
	})
	slow := connection("slow", &CreateConnectionRequest{
		ConnectionName: dara.String("qwen-vl-slow"), ConnectionType: dara.String("OpenLLMConnection"),
		Configs: map[string]*string{"base_url": dara.String(slowURL)}, Secrets: map[string]*string{"api_key": dara.String(key)}, Models: llm,
	})
	embedder := connection("embedder", &CreateConnectionRequest{
		ConnectionName: dara.String("gme"), ConnectionType: dara.String("EasEmbeddingConnection"),
		Configs: map[string]*string{"Endpoint": dara.String(gmeURL)}, Secrets: map[string]*string{"Token": dara.String(key)},
		Models: []*CreateConnectionRequestModels{{Model: dara.String("gme-qwen2-vl-2b"), ModelType: dara.String("Embedding")}},
	})
	milvus := connection("milvus", &CreateConnectionRequest{
		ConnectionName: dara.String("milvus"), ConnectionType: dara.String("MilvusConnection"),
		Configs:      map[string]*string{"uri": dara.String("http://127.0.0.1:9/"), "username": dara.String("root")},
		Secrets:      map[string]*string{"password": dara.String("milvus-secret-not-to-leak")},
		ResourceMeta: &CreateConnectionRequestResourceMeta{InstanceId: dara.String("c-123"), InstanceName: dara.String("my-milvus")},
	})
	vectors := connection("vectors", &CreateConnectionRequest{
		ConnectionName: dara.String("local-vectors"), ConnectionType: dara.String("LocalVectorConnection"), Configs: map[string]*string{},
	})
	if tagger == nil || slow == nil || embedder == nil || milvus == nil || vectors == nil {
		return
	}
	do(w, "GetConnection", func() (*GetConnectionResponse, error) {
		return c.GetConnection(tagger, &GetConnectionRequest{EncryptOption: dara.String("Secret")})
	}, func(r *GetConnectionResponse) values {
		b := r.Body
		return values{
			"ConnectionId": str(b.ConnectionId), "ConnectionName": str(b.ConnectionName), "ConnectionType": str(b.ConnectionType),
			"Configs": strMap(b.Configs), "Secrets": strMap(b.Secrets), "WorkspaceId": str(b.WorkspaceId), "Accessibility": str(b.Accessibility),
			"Creator": str(b.Creator), "GmtCreateTime": str(b.GmtCreateTime), "Models": len(b.Models),
		}
	})
	listConnections := func(name string, req *ListConnectionsRequest) {
		do(w, "ListConnections."+name, func() (*ListConnectionsResponse, error) { return c.ListConnections(req) }, func(r *ListConnectionsResponse) values {
			names := []interface{}{}
			for _, k := range r.Body.Connections {
				names = append(names, str(k.ConnectionName))
			}
			return values{"TotalCount": num(r.Body.TotalCount), "MaxResults": num(r.Body.MaxResults), "Names": names}
		})
	}
	listConnections("openllm", &ListConnectionsRequest{
		WorkspaceId: ws, ConnectionTypes: []*string{dara.String("OpenLLMConnection")}, SortBy: dara.String("GmtCreateTime"), Order: dara.String("ASC"), MaxResults: dara.Int32(10),
	})
	listConnections("otherWorkspace", &ListConnectionsRequest{WorkspaceId: dara.String(OtherWS)})
	do(w, "UpdateConnection", func() (*UpdateConnectionResponse, error) {
		return c.UpdateConnection(tagger, &UpdateConnectionRequest{
			Description: dara.String("tags photos"), Configs: map[string]*string{"base_url": dara.String(chatURL)}, Secrets: map[string]*string{"api_key": dara.String(key)},
		})
	}, nil)
	validate := func(name string, req *ValidateConnectionRequest) {
		req.ValidateType, req.WorkspaceId = dara.String("Connectivity"), ws
		do(w, "ValidateConnection."+name, func() (*ValidateConnectionResponse, error) { return c.ValidateConnection(req) },
			func(r *ValidateConnectionResponse) values {
				return values{"Status": str(r.Body.Status), "Message": str(r.Body.Message)}
			})
	}
	validate("saved", &ValidateConnectionRequest{ConnectionId: tagger})
	validate("unsaved", &ValidateConnectionRequest{
		ConnectionType: dara.String("OpenLLMConnection"), Configs: map[string]*string{"base_url": dara.String(chatURL)}, Secrets: map[string]*string{"api_key": dara.String(key)},
	})
	validate("unreachable", &ValidateConnectionRequest{ConnectionId: milvus})

	// -- datasets and versions ----------------------------------------------------------------------
	dataset := func(name string, req *CreateDatasetRequest) *string {
		r, ok := do(w, "CreateDataset."+name, func() (*CreateDatasetResponse, error) { return c.CreateDataset(req) },
			func(r *CreateDatasetResponse) values {
				return values{"DatasetId": str(r.Body.DatasetId), "RequestId": str(r.Body.RequestId)}
			})
		if !ok {
			return nil
		}
		return r.Body.DatasetId
	}
	ds := dataset("main", &CreateDatasetRequest{
		Name: dara.String("go-photos"), Description: dara.String("created by PAI's Go SDK runtime"), Property: dara.String("DIRECTORY"),
		DataSourceType: dara.String("NAS"), Uri: dara.String(photos), WorkspaceId: ws, Labels: []*Label{{Key: dara.String("team"), Value: dara.String("vision")}},
		Options: jsonString(values{"note": "made by the Go workflow"}), VersionLabels: []*Label{{Key: dara.String("split"), Value: dara.String("train")}},
	})
	basic := dataset("basic", &CreateDatasetRequest{
		Name: dara.String("go-basic"), Property: dara.String("DIRECTORY"), DataSourceType: dara.String("NAS"), DataType: dara.String("COMMON"),
		Edition: dara.String("BASIC"), Uri: dara.String(photos), WorkspaceId: ws,
	})
	if ds == nil || basic == nil {
		return
	}
	getDataset := func(name string, id *string) {
		do(w, "GetDataset."+name, func() (*GetDatasetResponse, error) { return c.GetDataset(id, &GetDatasetRequest{}) }, func(r *GetDatasetResponse) values {
			b := r.Body
			v := values{
				"DatasetId": str(b.DatasetId), "Name": str(b.Name), "Uri": str(b.Uri), "DataType": str(b.DataType), "Edition": str(b.Edition),
				"Property": str(b.Property), "WorkspaceId": str(b.WorkspaceId), "Accessibility": str(b.Accessibility), "OwnerId": str(b.OwnerId),
				"Labels": labels(b.Labels), "GmtCreateTime": str(b.GmtCreateTime), "RequestId": str(b.RequestId), "IsShared": b.IsShared != nil && *b.IsShared,
			}
			if b.LatestVersion != nil {
				v["LatestVersion.VersionName"] = str(b.LatestVersion.VersionName)
			}
			if b.SharingConfig != nil {
				to := []interface{}{}
				for _, t := range b.SharingConfig.SharedTo {
					to = append(to, str(t.WorkspaceId))
				}
				v["SharedTo"] = to
			}
			return v
		})
	}
	getDataset("created", ds)
	do(w, "CreateDatasetVersion", func() (*CreateDatasetVersionResponse, error) {
		return c.CreateDatasetVersion(ds, &CreateDatasetVersionRequest{
			Property: dara.String("DIRECTORY"), DataSourceType: dara.String("NAS"), Uri: dara.String(photos), Description: dara.String("second"),
			Labels: []*Label{{Key: dara.String("split"), Value: dara.String("val")}}, SourceType: dara.String("USER"), SourceId: dara.String("src-2"),
		})
	}, func(r *CreateDatasetVersionResponse) values { return values{"VersionName": str(r.Body.VersionName)} })
	listDatasets := func(name string, req *ListDatasetsRequest) {
		do(w, "ListDatasets."+name, func() (*ListDatasetsResponse, error) { return c.ListDatasets(req) }, func(r *ListDatasetsResponse) values {
			list := []interface{}{}
			for _, d := range r.Body.Datasets {
				item := values{"Name": str(d.Name), "IsShared": d.IsShared != nil && *d.IsShared}
				if d.SharedFrom != nil {
					item["SharedFrom.SourceWorkspaceId"] = str(d.SharedFrom.SourceWorkspaceId)
				}
				list = append(list, item)
			}
			return values{"TotalCount": num(r.Body.TotalCount), "Datasets": list}
		})
	}
	for _, page := range []int32{1, 2} {
		listDatasets(fmt.Sprintf("page%d", page), &ListDatasetsRequest{WorkspaceId: ws, PageNumber: dara.Int32(page), PageSize: dara.Int32(1), SortBy: dara.String("GmtCreateTime"), Order: dara.String("ASC")})
	}
	listDatasets("otherWorkspace", &ListDatasetsRequest{WorkspaceId: dara.String(OtherWS)})
	do(w, "UpdateDataset.basic", func() (*UpdateDatasetResponse, error) {
		return c.UpdateDataset(basic, &UpdateDatasetRequest{Name: dara.String("go-basic-2"), Edition: dara.String("ADVANCED")})
	}, nil)
	getDataset("basicUpdated", basic)

	// -- FileMetaBuild, jobs ------------------------------------------------------------------------
	buildID, build := w.runJob("build", ds, "v1", "FileMetaBuild", values{}, "metadata")
	w.runJob("buildV2", ds, "v2", "FileMetaBuild", values{}, "")
	if build == nil {
		return
	}
	listJobs := func(name string, req *ListDatasetJobsRequest) *ListDatasetJobsResponse {
		req.WorkspaceId = ws
		r, _ := do(w, "ListDatasetJobs."+name, func() (*ListDatasetJobsResponse, error) { return c.ListDatasetJobs(ds, req) }, func(r *ListDatasetJobsResponse) values {
			list := []interface{}{}
			for _, j := range r.Body.DatasetJobs {
				list = append(list, values{
					"DatasetJobId": str(j.DatasetJobId), "DatasetVersion": str(j.DatasetVersion), "Status": str(j.Status), "JobAction": str(j.JobAction),
					"CreateTime": str(j.CreateTime), "FinishTime": str(j.FinishTime), "Logs": len(j.Logs),
				})
			}
			return values{"TotalCount": num(r.Body.TotalCount), "DatasetJobs": list}
		})
		return r
	}
	for _, page := range []int32{1, 2, 3} {
		listJobs(fmt.Sprintf("page%d", page), &ListDatasetJobsRequest{PageNumber: dara.Int32(page), PageSize: dara.Int32(1), SortBy: dara.String("CreateTime"), Order: dara.String("ASC")})
	}
	listJobs("withLogs", &ListDatasetJobsRequest{WithLogs: dara.Bool(true), JobAction: dara.String("FileMetaBuild"), Status: dara.String("Succeeded"), DatasetVersion: v1})

	// -- a Prompt, IntelligentTag, SemanticIndex ----------------------------------------------------
	framework := jsonString(values{
		"GuidePrompt": "You label everyday photos.",
		"Tags": []values{
			{"Name": "person", "Description": "a person is visible"},
			{"Name": "scene", "Description": "where it is", "Values": []string{"indoor", "outdoor"}},
		},
	})
	prompt, ok := do(w, "CreatePrompt", func() (*CreatePromptResponse, error) {
		return c.CreatePrompt(&CreatePromptRequest{
			PromptName: dara.String("go-tags"), Description: dara.String("everyday photos"), Accessibility: dara.String("PRIVATE"), WorkspaceId: ws,
			FrameworkType: dara.String("TagDefinition"), FrameworkContent: framework,
		})
	}, func(r *CreatePromptResponse) values { return values{"PromptId": str(r.Body.PromptId)} })
	if !ok {
		return
	}
	promptID := prompt.Body.PromptId
	do(w, "GetPrompt", func() (*GetPromptResponse, error) { return c.GetPrompt(promptID, &GetPromptRequest{WorkspaceId: ws}) }, func(r *GetPromptResponse) values {
		return values{"PromptName": str(r.Body.PromptName), "FrameworkType": str(r.Body.FrameworkType), "FrameworkContent": str(r.Body.FrameworkContent), "CreateTime": str(r.Body.CreateTime)}
	})
	do(w, "ListPrompts", func() (*ListPromptsResponse, error) {
		return c.ListPrompts(&ListPromptsRequest{WorkspaceId: ws, FrameworkType: dara.String("TagDefinition"), PageNumber: dara.String("1"), PageSize: dara.String("10")})
	}, func(r *ListPromptsResponse) values {
		names := []interface{}{}
		for _, p := range r.Body.Prompts {
			names = append(names, str(p.PromptName))
		}
		return values{"TotalCount": num(r.Body.TotalCount), "Names": names}
	})
	do(w, "UpdatePrompt", func() (*UpdatePromptResponse, error) {
		return c.UpdatePrompt(promptID, &UpdatePromptRequest{Description: dara.String("everyday photos, tagged"), WorkspaceId: ws, FrameworkType: dara.String("TagDefinition"), FrameworkContent: framework})
	}, nil)
	_, tagged := w.runJob("tag", ds, "v1", "IntelligentTag", values{"intelligentTagConnectionId": tagger, "modelId": "qwen-vl-max", "promptId": promptID}, "")
	w.runJob("index", ds, "v1", "SemanticIndex", values{
		"contentList": []string{"file"}, "embeddingConnectionId": embedder, "embeddingModel": "gme-qwen2-vl-2b",
		"databaseConnectionId": vectors, "databaseTableName": "go_sdk",
		"vectorIndexConfig": dara.StringValue(jsonString(values{"shards": 1, "similarity": "cosine", "indexType": "hnsw"})), "concurrency": 4,
	}, "")
	if tagged == nil {
		return
	}

	// -- search -------------------------------------------------------------------------------------
	search := func(name string, id *string, req *ListDatasetFileMetasRequest) (*ListDatasetFileMetasResponse, bool) {
		if req.DatasetVersion == nil {
			req.DatasetVersion = v1
		}
		req.WorkspaceId = ws
		return do(w, "ListDatasetFileMetas."+name, func() (*ListDatasetFileMetasResponse, error) { return c.ListDatasetFileMetas(id, req) },
			func(r *ListDatasetFileMetasResponse) values {
				metas := []interface{}{}
				for _, m := range r.Body.DatasetFileMetas {
					metas = append(metas, values{
						"DatasetFileMetaId": str(m.DatasetFileMetaId), "Uri": str(m.Uri), "FileName": str(m.FileName), "FileType": str(m.FileType),
						"ContentType": str(m.ContentType), "Status": str(m.Status), "DataSize": num(m.DataSize), "Tags": str(m.Tags),
						"MetaAttributes": str(m.MetaAttributes), "ThumbnailUrl": str(m.ThumbnailUrl), "DownloadUrl": str(m.DownloadUrl), "Score": m.Score,
					})
				}
				return values{"TotalCount": num(r.Body.TotalCount), "NextToken": str(r.Body.NextToken), "Count": len(metas), "DatasetFileMetas": metas}
			})
	}
	var all []*DatasetFileMeta
	var token *string
	pages := 0
	for pages < 50 {
		pages++
		page, ok := search(fmt.Sprintf("page%d", pages), ds, &ListDatasetFileMetasRequest{QueryType: dara.String("TAG"), MaxResults: dara.Int32(2), NextToken: token})
		if !ok {
			return
		}
		all = append(all, page.Body.DatasetFileMetas...)
		if token = page.Body.NextToken; dara.StringValue(token) == "" {
			break
		}
	}
	tagSet := map[string]bool{}
	for _, m := range all {
		for _, t := range aiTags(m.Tags) {
			tagSet[t] = true
		}
	}
	ai := []string{}
	for t := range tagSet {
		ai = append(ai, t)
	}
	sort.Strings(ai)
	w.fact("search.all", values{"Pages": pages, "Count": len(all), "AiTags": ai})
	if len(all) < 3 || len(ai) == 0 {
		return
	}
	someAI := ai[0]
	first := all[0]
	search("tag", ds, &ListDatasetFileMetasRequest{QueryType: dara.String("TAG"), QueryTagsIncludeAny: []*string{dara.String(someAI)}, MaxResults: dara.Int32(100)})
	search("mix", ds, &ListDatasetFileMetasRequest{QueryType: dara.String("MIX"), QueryText: dara.String("dog"), TopK: dara.Int32(3), MaxResults: dara.Int32(3)})
	search("vector", ds, &ListDatasetFileMetasRequest{QueryType: dara.String("VECTOR"), QueryText: dara.String("dog"), TopK: dara.Int32(3)})
	search("dslSingle", ds, &ListDatasetFileMetasRequest{QueryExpression: dara.String("Tags.ai:'" + someAI + "'"), MaxResults: dara.Int32(100)})
	search("dslDouble", ds, &ListDatasetFileMetasRequest{QueryExpression: dara.String(`Tags.ai:"` + someAI + `"`), MaxResults: dara.Int32(100)})
	getMeta := func(name string, id *string) {
		do(w, "GetDatasetFileMeta."+name, func() (*GetDatasetFileMetaResponse, error) {
			return c.GetDatasetFileMeta(ds, id, &GetDatasetFileMetaRequest{DatasetVersion: v1, WorkspaceId: ws})
		}, func(r *GetDatasetFileMetaResponse) values {
			m := r.Body.DatasetFileMeta
			return values{
				"DatasetId": str(r.Body.DatasetId), "DatasetVersion": str(r.Body.DatasetVersion), "WorkspaceId": str(r.Body.WorkspaceId),
				"DatasetFileMetaId": str(m.DatasetFileMetaId), "FileName": str(m.FileName), "Tags": str(m.Tags), "MetaAttributes": str(m.MetaAttributes),
				"Comment": str(m.Comment), "Status": str(m.Status),
			}
		})
	}
	getMeta("first", first.DatasetFileMetaId)

	// -- metadata writes, statistics ----------------------------------------------------------------
	do(w, "UpdateDatasetFileMetas", func() (*UpdateDatasetFileMetasResponse, error) {
		return c.UpdateDatasetFileMetas(ds, &UpdateDatasetFileMetasRequest{DatasetVersion: v1, WorkspaceId: ws, DatasetFileMetas: []*DatasetFileMetaConentUpdate{
			{DatasetFileMetaId: first.DatasetFileMetaId, Tags: jsonString(values{"user": values{"add": []string{"go-favourite"}, "remove": []string{}}}), Comment: dara.String("checked by hand")},
			{DatasetFileMetaId: dara.String("no-such-meta"), Tags: jsonString(values{"user": values{"add": []string{"x"}}})},
		}})
	}, func(r *UpdateDatasetFileMetasResponse) values {
		failed := []interface{}{}
		for _, f := range r.Body.FailedDetails {
			failed = append(failed, str(f.DatasetFileMetaId))
		}
		return values{"Status": r.Body.Status != nil && *r.Body.Status, "Failed": failed}
	})
	getMeta("afterUpdate", first.DatasetFileMetaId)
	stats := func(name, by string) {
		req := &GetDatasetFileMetasStatisticsRequest{DatasetVersion: v1, WorkspaceId: ws}
		if by != "" {
			req.AggregateBy, req.MaxResults = dara.String(by), dara.Int32(10)
		}
		do(w, "GetDatasetFileMetasStatistics."+name, func() (*GetDatasetFileMetasStatisticsResponse, error) {
			return c.GetDatasetFileMetasStatistics(ds, req)
		},
			func(r *GetDatasetFileMetasStatisticsResponse) values {
				counts := values{}
				for _, s := range r.Body.DatasetFileMetasStats {
					counts[dara.StringValue(s.Key)] = num(s.Count)
				}
				return values{"Counts": counts, "TotalCount": num(r.Body.TotalCount), "requestId": str(r.Body.RequestId)}
			})
	}
	stats("user", "tags.user")
	stats("filetype", "filetype")
	stats("total", "")
	extra := photos + "not-listed-yet.png"
	created, ok := do(w, "CreateDatasetFileMetas", func() (*CreateDatasetFileMetasResponse, error) {
		return c.CreateDatasetFileMetas(ds, &CreateDatasetFileMetasRequest{DatasetVersion: v1, WorkspaceId: ws, DatasetFileMetas: []*DatasetFileMetaContentCreate{
			{Uri: dara.String(extra), FileName: dara.String("not-listed-yet.png"), FileType: dara.String("image"), ContentType: dara.String("image/png"),
				DataSize: dara.Int64(1234), FileFingerPrint: dara.String("fp-1"), FileCreateTime: dara.String("2025-01-12T14:36:01.001Z"),
				FileUpdateTime: dara.String("2025-01-12T14:36:01.001Z"), MetaAttributes: jsonString(values{"Image": values{"Width": 640, "Height": 480}}),
				Tags: jsonString(values{"user": []string{"registered"}}), Comment: dara.String("registered through the Go SDK")},
			{Uri: dara.String("file:///etc/passwd"), FileName: dara.String("passwd"), FileType: dara.String("text"), ContentType: dara.String("text/plain"),
				FileFingerPrint: dara.String("x"), FileUpdateTime: dara.String("2025-01-12T14:36:01.001Z")},
		}})
	}, func(r *CreateDatasetFileMetasResponse) values {
		failed := []interface{}{}
		for _, f := range r.Body.FailedDetails {
			failed = append(failed, str(f.Uri))
		}
		return values{"Status": r.Body.Status != nil && *r.Body.Status, "Succeeded": len(r.Body.SucceedDetails), "FailedUris": failed}
	})
	if ok && len(created.Body.SucceedDetails) > 0 {
		newID := created.Body.SucceedDetails[0].DatasetFileMetaId
		do(w, "DeleteDatasetFileMetas", func() (*DeleteDatasetFileMetasResponse, error) {
			return c.DeleteDatasetFileMetas(ds, &DeleteDatasetFileMetasRequest{DatasetFileMetaIds: dara.String(dara.StringValue(newID) + ",no-such-meta"), DatasetVersion: v1, WorkspaceId: ws})
		}, func(r *DeleteDatasetFileMetasResponse) values {
			failed := []interface{}{}
			for _, f := range r.Body.FailedDetails {
				failed = append(failed, str(f.DatasetFileMetaId))
			}
			return values{"Status": r.Body.Status != nil && *r.Body.Status, "Failed": failed}
		})
		search("deleted", ds, &ListDatasetFileMetasRequest{Status: dara.String("DELETED"), DatasetFileMetaIds: []*string{newID}})
	}

	// -- FileMetaExport, FileMetaImport into the other dataset ---------------------------------------
	out := filepath.Join(root, "exports")
	_ = os.MkdirAll(out, 0o755)
	search("exportExpected", ds, &ListDatasetFileMetasRequest{QueryType: dara.String("TAG"), QueryTagsIncludeAny: []*string{dara.String(someAI)}, MaxResults: dara.Int32(100)})
	w.runJob("export", ds, "v1", "FileMetaExport", values{
		"query": values{"QueryType": "TAG", "QueryTagsIncludeAny": []string{someAI}}, "exportDirUri": "file://" + out + "/", "filteredAttributes": "Uri,FileName,Tags",
	}, "")
	entries, _ := os.ReadDir(out)
	folders := []interface{}{}
	for _, e := range entries {
		if e.IsDir() {
			folders = append(folders, e.Name())
		}
	}
	exported := values{"Folders": folders}
	w.fact("fs.export", exported)
	if len(folders) == 1 {
		folder := filepath.Join(out, folders[0].(string))
		files, _ := os.ReadDir(folder)
		names, keys, lines := []interface{}{}, map[string]bool{}, 0
		for _, f := range files {
			names = append(names, f.Name())
			if !strings.HasSuffix(f.Name(), ".jsonl") {
				continue
			}
			text, _ := os.ReadFile(filepath.Join(folder, f.Name()))
			for _, line := range strings.Split(string(text), "\n") {
				var record map[string]interface{}
				if strings.TrimSpace(line) == "" || json.Unmarshal([]byte(line), &record) != nil {
					continue
				}
				lines++
				for k := range record {
					keys[k] = true
				}
			}
		}
		keyList := []string{}
		for k := range keys {
			keyList = append(keyList, k)
		}
		sort.Strings(keyList)
		exported["Files"], exported["Lines"], exported["Keys"] = names, lines, keyList
		w.runJob("import", basic, "v1", "FileMetaImport", values{"manifestUri": "file://" + folder + "/", "importMode": "append", "filteredAttributes": "Uri,Tags"}, "")
		search("imported", basic, &ListDatasetFileMetasRequest{Status: dara.String("ALL")})
	}

	// -- labels, versions, sharing, publishing ------------------------------------------------------
	do(w, "CreateDatasetLabels", func() (*CreateDatasetLabelsResponse, error) {
		return c.CreateDatasetLabels(ds, &CreateDatasetLabelsRequest{Labels: []*Label{{Key: dara.String("owner"), Value: dara.String("go")}, {Key: dara.String("team"), Value: dara.String("perception")}}})
	}, nil)
	do(w, "DeleteDatasetLabels", func() (*DeleteDatasetLabelsResponse, error) {
		return c.DeleteDatasetLabels(ds, &DeleteDatasetLabelsRequest{LabelKeys: dara.String("owner")})
	}, nil)
	do(w, "CreateDatasetVersionLabels", func() (*CreateDatasetVersionLabelsResponse, error) {
		return c.CreateDatasetVersionLabels(ds, v2, &CreateDatasetVersionLabelsRequest{Labels: []*Label{{Key: dara.String("reviewed"), Value: dara.String("yes")}}})
	}, nil)
	do(w, "DeleteDatasetVersionLabels", func() (*DeleteDatasetVersionLabelsResponse, error) {
		return c.DeleteDatasetVersionLabels(ds, v2, &DeleteDatasetVersionLabelsRequest{Keys: dara.String("split")})
	}, nil)
	getDataset("labels", ds)
	do(w, "GetDatasetVersion", func() (*GetDatasetVersionResponse, error) {
		return c.GetDatasetVersion(ds, v2, &GetDatasetVersionRequest{})
	},
		func(r *GetDatasetVersionResponse) values {
			return values{"VersionName": str(r.Body.VersionName), "Labels": labels(r.Body.Labels), "GmtCreateTime": str(r.Body.GmtCreateTime)}
		})
	do(w, "UpdateDatasetVersion", func() (*UpdateDatasetVersionResponse, error) {
		return c.UpdateDatasetVersion(ds, v2, &UpdateDatasetVersionRequest{Description: dara.String("second, reviewed"), Options: jsonString(values{"reviewed": true})})
	}, nil)
	do(w, "ListDatasetVersions", func() (*ListDatasetVersionsResponse, error) {
		return c.ListDatasetVersions(ds, &ListDatasetVersionsRequest{PageNumber: dara.Int64(1), PageSize: dara.Int64(1), SortBy: dara.String("GmtCreateTime"), Order: dara.String("DESC"), LabelKeys: dara.String("reviewed")})
	}, func(r *ListDatasetVersionsResponse) values {
		names := []interface{}{}
		for _, v := range r.Body.DatasetVersions {
			names = append(names, str(v.VersionName))
		}
		return values{"Names": names, "TotalCount": num(r.Body.TotalCount), "PageNumber": num(r.Body.PageNumber), "PageSize": num(r.Body.PageSize)}
	})
	do(w, "UpdateDataset.sharing", func() (*UpdateDatasetResponse, error) {
		return c.UpdateDataset(ds, &UpdateDatasetRequest{Description: dara.String("photos, tagged"), SharingConfig: &UpdateDatasetRequestSharingConfig{SharedTo: []*DatasetShareRelationship{{
			WorkspaceId: dara.String(OtherWS), SourceWorkspaceId: ws, AllowedMountAccessLevels: []*string{dara.String("RO")},
			ExpiresAt: dara.String("2099-01-01T00:00:00.000Z"), IsSecureMode: dara.Bool(false), Status: dara.String("ACTIVE"),
		}}}})
	}, nil)
	getDataset("shared", ds)
	listDatasets("sharedToMe", &ListDatasetsRequest{WorkspaceId: dara.String(OtherWS), ShareScope: dara.String("TO_ME")})
	do(w, "PublishDataset", func() (*PublishDatasetResponse, error) { return c.PublishDataset(ds, &PublishDatasetRequest{}) }, nil)
	getDataset("published", ds)

	// -- job configs ----------------------------------------------------------------------------------
	cfg, ok := do(w, "CreateDatasetJobConfig.tag", func() (*CreateDatasetJobConfigResponse, error) {
		return c.CreateDatasetJobConfig(ds, &CreateDatasetJobConfigRequest{ConfigType: dara.String("MultimodalIntelligentTag"), Config: jsonString(values{"apiKey": "cfg-secret"}), DatasetVersion: v1, WorkspaceId: ws})
	}, func(r *CreateDatasetJobConfigResponse) values {
		return values{"DatasetJobConfigId": str(r.Body.DatasetJobConfigId)}
	})
	do(w, "CreateDatasetJobConfig.index", func() (*CreateDatasetJobConfigResponse, error) {
		return c.CreateDatasetJobConfig(ds, &CreateDatasetJobConfigRequest{ConfigType: dara.String("MultimodalSemanticIndex"), Config: jsonString(values{"defaultModelId": "gme-qwen2-vl-2b"}), WorkspaceId: ws})
	}, nil)
	do(w, "ListDatasetJobConfigs", func() (*ListDatasetJobConfigsResponse, error) {
		return c.ListDatasetJobConfigs(ds, &ListDatasetJobConfigsRequest{WorkspaceId: ws, PageNumber: dara.String("1"), PageSize: dara.String("10")})
	}, func(r *ListDatasetJobConfigsResponse) values {
		types := []string{}
		for _, k := range r.Body.DatasetJobConfigs {
			types = append(types, dara.StringValue(k.ConfigType))
		}
		sort.Strings(types)
		return values{"TotalCount": num(r.Body.TotalCount), "ConfigTypes": types}
	})
	if ok {
		cfgID := cfg.Body.DatasetJobConfigId
		do(w, "UpdateDatasetJobConfig", func() (*UpdateDatasetJobConfigResponse, error) {
			return c.UpdateDatasetJobConfig(ds, cfgID, &UpdateDatasetJobConfigRequest{ConfigType: dara.String("MultimodalIntelligentTag"), Config: jsonString(values{"apiKey": "cfg-secret-2"}), WorkspaceId: ws})
		}, nil)
		do(w, "GetDatasetJobConfig", func() (*GetDatasetJobConfigResponse, error) {
			return c.GetDatasetJobConfig(ds, cfgID, &GetDatasetJobConfigRequest{WorkspaceId: ws})
		}, func(r *GetDatasetJobConfigResponse) values {
			return values{"ConfigType": str(r.Body.ConfigType), "DatasetId": str(r.Body.DatasetId), "WorkspaceId": str(r.Body.WorkspaceId), "Config": str(r.Body.Config)}
		})
		do(w, "DeleteDatasetJobConfig", func() (*DeleteDatasetJobConfigResponse, error) {
			return c.DeleteDatasetJobConfig(ds, cfgID, &DeleteDatasetJobConfigRequest{WorkspaceId: ws})
		}, nil)
	}

	// -- job management: update, delete, stop --------------------------------------------------------
	do(w, "UpdateDatasetJob", func() (*UpdateDatasetJobResponse, error) {
		return c.UpdateDatasetJob(ds, buildID, &UpdateDatasetJobRequest{Description: dara.String("metadata, first run"), DatasetVersion: v1, WorkspaceId: ws})
	}, nil)
	if v2Jobs := listJobs("v2", &ListDatasetJobsRequest{JobAction: dara.String("FileMetaBuild"), DatasetVersion: v2}); v2Jobs != nil && len(v2Jobs.Body.DatasetJobs) > 0 {
		do(w, "DeleteDatasetJob", func() (*DeleteDatasetJobResponse, error) {
			return c.DeleteDatasetJob(ds, v2Jobs.Body.DatasetJobs[0].DatasetJobId, &DeleteDatasetJobRequest{})
		}, nil)
		listJobs("v2AfterDelete", &ListDatasetJobsRequest{JobAction: dara.String("FileMetaBuild"), DatasetVersion: v2})
	}
	running, ok := do(w, "CreateDatasetJob.slow", func() (*CreateDatasetJobResponse, error) {
		return c.CreateDatasetJob(ds, &CreateDatasetJobRequest{DatasetVersion: v1, JobAction: dara.String("IntelligentTag"), JobMode: dara.String("Full"), WorkspaceId: ws,
			JobSpec: jsonString(values{"intelligentTagConnectionId": slow, "modelId": "qwen-vl-max", "promptId": promptID})})
	}, nil)
	if ok {
		do(w, "StopDatasetJob", func() (*StopDatasetJobResponse, error) {
			return c.StopDatasetJob(ds, running.Body.DatasetJobId, &StopDatasetJobRequest{DatasetVersion: v1, WorkspaceId: ws})
		}, nil)
		w.waitJob("stopped", ds, running.Body.DatasetJobId, v1)
	}

	// -- errors as the SDK sees them (expected: not ok) ----------------------------------------------
	do(w, "GetDataset.unknown", func() (*GetDatasetResponse, error) { return c.GetDataset(dara.String("d-nope"), &GetDatasetRequest{}) }, nil)
	search("badQuery", ds, &ListDatasetFileMetasRequest{QueryVideo: dara.String("x")})

	// -- clean up -------------------------------------------------------------------------------------
	do(w, "DeletePrompt", func() (*DeletePromptResponse, error) {
		return c.DeletePrompt(promptID, &DeletePromptRequest{WorkspaceId: ws})
	}, nil)
	do(w, "DeleteConnection", func() (*DeleteConnectionResponse, error) {
		return c.DeleteConnection(milvus, &DeleteConnectionRequest{})
	}, nil)
	do(w, "DeleteDatasetVersion", func() (*DeleteDatasetVersionResponse, error) {
		return c.DeleteDatasetVersion(ds, v2, &DeleteDatasetVersionRequest{})
	}, nil)
	do(w, "DeleteDataset", func() (*DeleteDatasetResponse, error) { return c.DeleteDataset(basic, &DeleteDatasetRequest{}) }, nil)
	listDatasets("afterDelete", &ListDatasetsRequest{WorkspaceId: ws})
}
