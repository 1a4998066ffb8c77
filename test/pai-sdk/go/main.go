// PAI's Go SDK as a judge of Loupe (issue 11): a dataset workflow run through darabonba-openapi's own
// client (it signs every request with ACS3-HMAC-SHA256 and an AccessKey pair) and decoded by
// dara.Convert (jsoniter, case-sensitive, with the fuzzy decoders that reject an object where the
// SDK has a string) into the SDK's response structs, mirrored in sdk_models.go / sdk_operations.go
// because the Go module proxy does not serve github.com/alibabacloud-go/aiworkspace-20210204.
//
// Env: PAI_SDK_HOST, PAI_SDK_PORT (Loupe on loopback), PAI_SDK_AK_ID / PAI_SDK_AK_SECRET (a pair of
// LOUPE_ACCESS_KEYS), PAI_SDK_DATASET_URI (a folder of images Loupe may read), PAI_SDK_LLM_BASE_URL
// (the base_url of the OpenLLM connection; never called here), PAI_SDK_BEARER (a Loupe API key: the
// SDK's bearer credential, sent as x-acs-bearer-token).
// Prints one JSON object: per call, {ok, status, error?, code?, values?}. A call whose response the
// SDK cannot decode is ok:false with the decoder's error, and the workflow goes on where it can.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
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

// skip records calls that could not be made because an earlier one failed.
func (w *workflow) skip(why string, names ...string) {
	for _, name := range names {
		w.results[name] = &outcome{Error: "not called: " + why}
	}
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
	w.run(env("PAI_SDK_DATASET_URI"), env("PAI_SDK_LLM_BASE_URL"))

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

func (w *workflow) run(datasetURI, llmBaseURL string) {
	c := w.client
	version := dara.String("v1")

	var created *CreateDatasetResponse
	if !w.call("CreateDataset", func() (r interface{}, err error) {
		created, err = c.CreateDataset(&CreateDatasetRequest{
			Name:        dara.String("go-sdk-photos"),
			Uri:         dara.String(datasetURI),
			Description: dara.String("created by PAI's Go SDK runtime"),
		})
		return created, err
	}, func() map[string]interface{} {
		return map[string]interface{}{"DatasetId": str(created.Body.DatasetId), "RequestId": str(created.Body.RequestId)}
	}) {
		w.skip("CreateDataset failed", "GetDataset", "ListDatasets.page1", "ListDatasets.page2", "CreateDatasetJob", "GetDatasetJob",
			"ListDatasetJobs", "ListDatasetFileMetas", "GetDatasetFileMetasStatistics", "GetDatasetFileMeta", "UpdateDatasetFileMetas",
			"GetDatasetFileMeta.afterUpdate")
		w.connections(llmBaseURL)
		return
	}
	datasetID := created.Body.DatasetId

	var got *GetDatasetResponse
	w.call("GetDataset", func() (r interface{}, err error) {
		got, err = c.GetDataset(datasetID, &GetDatasetRequest{})
		return got, err
	}, func() map[string]interface{} {
		b := got.Body
		values := map[string]interface{}{
			"DatasetId": str(b.DatasetId), "Name": str(b.Name), "Uri": str(b.Uri), "DataType": str(b.DataType),
			"Edition": str(b.Edition), "GmtCreateTime": str(b.GmtCreateTime), "RequestId": str(b.RequestId),
		}
		if b.LatestVersion != nil {
			values["LatestVersion.VersionName"] = str(b.LatestVersion.VersionName)
		}
		return values
	})

	for _, page := range []int32{1, 2} {
		var listed *ListDatasetsResponse
		w.call(fmt.Sprintf("ListDatasets.page%d", page), func() (r interface{}, err error) {
			listed, err = c.ListDatasets(&ListDatasetsRequest{PageNumber: dara.Int32(page), PageSize: dara.Int32(1)})
			return listed, err
		}, func() map[string]interface{} {
			ids := []interface{}{}
			for _, d := range listed.Body.Datasets {
				ids = append(ids, str(d.DatasetId))
			}
			return map[string]interface{}{"TotalCount": num(listed.Body.TotalCount), "DatasetIds": ids}
		})
	}

	var job *CreateDatasetJobResponse
	if !w.call("CreateDatasetJob", func() (r interface{}, err error) {
		job, err = c.CreateDatasetJob(datasetID, &CreateDatasetJobRequest{
			DatasetVersion: version,
			JobAction:      dara.String("FileMetaBuild"),
			JobMode:        dara.String("Full"),
			JobSpec:        dara.String("{}"),
		})
		return job, err
	}, func() map[string]interface{} {
		return map[string]interface{}{"DatasetJobId": str(job.Body.DatasetJobId)}
	}) {
		w.skip("CreateDatasetJob failed", "GetDatasetJob", "ListDatasetJobs", "ListDatasetFileMetas", "GetDatasetFileMetasStatistics",
			"GetDatasetFileMeta", "UpdateDatasetFileMetas", "GetDatasetFileMeta.afterUpdate")
		w.connections(llmBaseURL)
		return
	}
	jobID := job.Body.DatasetJobId

	// GetDatasetJob until the job ends: the outcome is that of the last poll.
	polls := 0
	for deadline := time.Now().Add(90 * time.Second); ; {
		polls++
		var polled *GetDatasetJobResponse
		ok := w.call("GetDatasetJob", func() (r interface{}, err error) {
			polled, err = c.GetDatasetJob(datasetID, jobID, &GetDatasetJobRequest{DatasetVersion: version})
			return polled, err
		}, func() map[string]interface{} {
			b := polled.Body
			return map[string]interface{}{
				"Status": str(b.Status), "JobAction": str(b.JobAction), "TotalFileCount": num(b.TotalFileCount),
				"CompletedFileCount": num(b.CompletedFileCount), "FailedFileCount": num(b.FailedFileCount),
				"CreateTime": str(b.CreateTime), "FinishTime": str(b.FinishTime), "Logs": strs(b.Logs), "Polls": polls,
			}
		})
		if !ok || jobEnded[dara.StringValue(polled.Body.Status)] || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}

	var jobs *ListDatasetJobsResponse
	w.call("ListDatasetJobs", func() (r interface{}, err error) {
		jobs, err = c.ListDatasetJobs(datasetID, &ListDatasetJobsRequest{PageNumber: dara.Int32(1), PageSize: dara.Int32(10)})
		return jobs, err
	}, func() map[string]interface{} {
		list := []interface{}{}
		for _, j := range jobs.Body.DatasetJobs {
			list = append(list, map[string]interface{}{
				"DatasetJobId": str(j.DatasetJobId), "Status": str(j.Status), "JobAction": str(j.JobAction),
				"CreateTime": str(j.CreateTime), "FinishTime": str(j.FinishTime), "TotalFileCount": num(j.TotalFileCount),
			})
		}
		return map[string]interface{}{"TotalCount": num(jobs.Body.TotalCount), "DatasetJobs": list}
	})

	w.fileMetas(datasetID, version)

	w.connections(llmBaseURL)
}

func (w *workflow) fileMetas(datasetID, version *string) {
	c := w.client
	// ListDatasetFileMetas, two per page, NextToken to the end.
	var metaIDs []*string
	metas := []interface{}{}
	pages := 0
	var token *string
	for {
		pages++
		var page *ListDatasetFileMetasResponse
		name := fmt.Sprintf("ListDatasetFileMetas.page%d", pages)
		if !w.call(name, func() (r interface{}, err error) {
			page, err = c.ListDatasetFileMetas(datasetID, &ListDatasetFileMetasRequest{
				DatasetVersion: version, MaxResults: dara.Int32(2), NextToken: token,
			})
			return page, err
		}, func() map[string]interface{} {
			return map[string]interface{}{
				"TotalCount": num(page.Body.TotalCount), "MaxResults": num(page.Body.MaxResults), "Count": len(page.Body.DatasetFileMetas),
				"NextToken": str(page.Body.NextToken),
			}
		}) {
			w.results["ListDatasetFileMetas"] = w.results[name]
			delete(w.results, name)
			break
		}
		for _, m := range page.Body.DatasetFileMetas {
			metaIDs = append(metaIDs, m.DatasetFileMetaId)
			metas = append(metas, map[string]interface{}{
				"DatasetFileMetaId": str(m.DatasetFileMetaId), "FileName": str(m.FileName), "FileType": str(m.FileType),
				"ContentType": str(m.ContentType), "DataSize": num(m.DataSize), "Tags": str(m.Tags),
				"MetaAttributes": str(m.MetaAttributes), "ThumbnailUrl": str(m.ThumbnailUrl), "DownloadUrl": str(m.DownloadUrl),
			})
		}
		token = page.Body.NextToken
		if dara.StringValue(token) == "" || pages >= 50 {
			w.results["ListDatasetFileMetas"] = &outcome{OK: true, Status: w.results[name].Status, Values: map[string]interface{}{
				"Pages": pages, "TotalCount": num(page.Body.TotalCount), "DatasetFileMetas": metas,
			}}
			break
		}
	}
	var stats *GetDatasetFileMetasStatisticsResponse
	w.call("GetDatasetFileMetasStatistics", func() (r interface{}, err error) {
		stats, err = c.GetDatasetFileMetasStatistics(datasetID, &GetDatasetFileMetasStatisticsRequest{
			AggregateBy: dara.String("filetype"), DatasetVersion: version,
		})
		return stats, err
	}, func() map[string]interface{} {
		counts := map[string]interface{}{}
		for _, s := range stats.Body.DatasetFileMetasStats {
			counts[dara.StringValue(s.Key)] = num(s.Count)
		}
		return map[string]interface{}{"Counts": counts, "TotalCount": num(stats.Body.TotalCount), "requestId": str(stats.Body.RequestId)}
	})

	if len(metaIDs) == 0 {
		w.skip("no file meta decoded", "GetDatasetFileMeta", "UpdateDatasetFileMetas", "GetDatasetFileMeta.afterUpdate")
		return
	}
	first := metaIDs[0]

	getMeta := func(name string) {
		var meta *GetDatasetFileMetaResponse
		w.call(name, func() (r interface{}, err error) {
			meta, err = c.GetDatasetFileMeta(datasetID, first, &GetDatasetFileMetaRequest{DatasetVersion: version})
			return meta, err
		}, func() map[string]interface{} {
			b := meta.Body
			values := map[string]interface{}{"DatasetId": str(b.DatasetId), "DatasetVersion": str(b.DatasetVersion), "RequestId": str(b.RequestId)}
			if m := b.DatasetFileMeta; m != nil {
				values["DatasetFileMetaId"] = str(m.DatasetFileMetaId)
				values["FileName"] = str(m.FileName)
				values["FileType"] = str(m.FileType)
				values["Tags"] = str(m.Tags)
				values["MetaAttributes"] = str(m.MetaAttributes)
			}
			return values
		})
	}
	getMeta("GetDatasetFileMeta")

	var updated *UpdateDatasetFileMetasResponse
	w.call("UpdateDatasetFileMetas", func() (r interface{}, err error) {
		updated, err = c.UpdateDatasetFileMetas(datasetID, &UpdateDatasetFileMetasRequest{
			DatasetVersion:   version,
			DatasetFileMetas: []*DatasetFileMetaConentUpdate{{DatasetFileMetaId: first, Tags: dara.String(`{"user":{"add":["go"]}}`)}},
		})
		return updated, err
	}, func() map[string]interface{} {
		failed := []interface{}{}
		for _, f := range updated.Body.FailedDetails {
			failed = append(failed, map[string]interface{}{"DatasetFileMetaId": str(f.DatasetFileMetaId), "Result": str(f.Result)})
		}
		var status interface{}
		if updated.Body.Status != nil {
			status = *updated.Body.Status
		}
		return map[string]interface{}{"Status": status, "FailedDetails": failed, "RequestId": str(updated.Body.RequestId)}
	})
	getMeta("GetDatasetFileMeta.afterUpdate")
}

func (w *workflow) connections(llmBaseURL string) {
	c := w.client
	var conn *CreateConnectionResponse
	if !w.call("CreateConnection", func() (r interface{}, err error) {
		conn, err = c.CreateConnection(&CreateConnectionRequest{
			ConnectionName: dara.String("go-sdk-llm"),
			ConnectionType: dara.String("OpenLLMConnection"),
			Configs:        map[string]*string{"base_url": dara.String(llmBaseURL)},
			Secrets:        map[string]*string{"api_key": dara.String("go-sdk-secret-key")},
		})
		return conn, err
	}, func() map[string]interface{} {
		return map[string]interface{}{"ConnectionId": str(conn.Body.ConnectionId), "RequestId": str(conn.Body.RequestId)}
	}) {
		w.skip("CreateConnection failed", "ListConnections", "GetConnection")
		return
	}
	connID := conn.Body.ConnectionId

	var conns *ListConnectionsResponse
	w.call("ListConnections", func() (r interface{}, err error) {
		conns, err = c.ListConnections(&ListConnectionsRequest{MaxResults: dara.Int32(10)})
		return conns, err
	}, func() map[string]interface{} {
		list := []interface{}{}
		for _, k := range conns.Body.Connections {
			list = append(list, map[string]interface{}{
				"ConnectionId": str(k.ConnectionId), "ConnectionType": str(k.ConnectionType),
				"Configs": strMap(k.Configs), "Secrets": strMap(k.Secrets),
			})
		}
		return map[string]interface{}{"TotalCount": num(conns.Body.TotalCount), "Connections": list}
	})

	var one *GetConnectionResponse
	w.call("GetConnection", func() (r interface{}, err error) {
		one, err = c.GetConnection(connID, &GetConnectionRequest{})
		return one, err
	}, func() map[string]interface{} {
		b := one.Body
		return map[string]interface{}{
			"ConnectionId": str(b.ConnectionId), "ConnectionName": str(b.ConnectionName), "ConnectionType": str(b.ConnectionType),
			"Configs": strMap(b.Configs), "Secrets": strMap(b.Secrets), "GmtCreateTime": str(b.GmtCreateTime),
		}
	})
}
