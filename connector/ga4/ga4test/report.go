package ga4test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fake's schema: a few of GA4's dimensions and metrics, with the
// types Google reports for them.
var (
	dimensions = []field{
		{"date", "Date", "The date of the event, formatted as YYYYMMDD.", "", "Time"},
		{"country", "Country", "The country from which the user activity originated.", "", "Geography"},
		{"deviceCategory", "Device category", "The type of device: Desktop, Tablet, or Mobile.", "", "Platform / Device"},
		{"pagePath", "Page path", "The portion of the URL between the hostname and query string.", "", "Page / Screen"},
	}
	metrics = []field{
		{"activeUsers", "Active users", "The number of distinct users who visited your site or app.", "TYPE_INTEGER", "User"},
		{"sessions", "Sessions", "The number of sessions that began on your site or app.", "TYPE_INTEGER", "Session"},
		{"screenPageViews", "Views", "The number of app screens or web pages your users viewed.", "TYPE_INTEGER", "Page / Screen"},
		{"totalRevenue", "Total revenue", "The sum of revenue from purchases, subscriptions, and advertising.", "TYPE_CURRENCY", "Revenue"},
	}
	realtimeDimensions = []string{"country", "deviceCategory", "unifiedScreenName"}
	realtimeMetrics    = []string{"activeUsers", "screenPageViews"}
)

type field struct{ apiName, uiName, description, typ, category string }

// dataset is the fake's data: one row per day, country, device and page
// over the first week of 2025, the same for every property.
var (
	datasetStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	countries    = []string{"United States", "Germany", "Japan"}
	devices      = []string{"desktop", "mobile"}
	pages        = []string{"/", "/pricing"}
)

type fact struct {
	dims map[string]string
	mets map[string]float64
}

func dataset() []fact {
	var out []fact
	n := 0
	for day := 0; day < 7; day++ {
		date := datasetStart.AddDate(0, 0, day)
		for _, c := range countries {
			for _, d := range devices {
				for _, p := range pages {
					n++
					users := float64(10 + (n*37)%23)
					out = append(out, fact{
						dims: map[string]string{"date": date.Format("20060102"), "country": c, "deviceCategory": d,
							"pagePath": p, "unifiedScreenName": "Page " + p},
						mets: map[string]float64{"activeUsers": users, "sessions": users + float64(n%5),
							"screenPageViews": 2*users + float64(n%7), "totalRevenue": float64((n*13)%40) + 0.5},
					})
				}
			}
		}
	}
	return out
}

// reportRequest is the part of RunReportRequest and
// RunRealtimeReportRequest the fake understands.
type reportRequest struct {
	Property   string                  `json:"property"`
	Dimensions []struct{ Name string } `json:"dimensions"`
	Metrics    []struct{ Name string } `json:"metrics"`
	DateRanges []struct {
		StartDate string `json:"startDate"`
		EndDate   string `json:"endDate"`
	} `json:"dateRanges"`
	Limit  json.Number `json:"limit"`
	Offset json.Number `json:"offset"`
}

func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request, email string, _ []byte) {
	id := r.PathValue("name")
	if s.allowed(w, id, email) == nil {
		return
	}
	var dims, mets []map[string]any
	for _, d := range dimensions {
		dims = append(dims, map[string]any{"apiName": d.apiName, "uiName": d.uiName, "description": d.description, "category": d.category})
	}
	for _, m := range metrics {
		mets = append(mets, map[string]any{"apiName": m.apiName, "uiName": m.uiName, "description": m.description, "type": m.typ, "category": m.category})
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": "properties/" + id + "/metadata", "dimensions": dims, "metrics": mets})
}

// handleMethod serves POST /v1beta/properties/{id}:{method}.
func (s *Server) handleMethod(w http.ResponseWriter, r *http.Request, email string, body []byte) {
	id, method, ok := strings.Cut(r.PathValue("name"), ":")
	if !ok {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
		return
	}
	if s.allowed(w, id, email) == nil {
		return
	}
	var resp any
	var msg string
	switch method {
	case "runReport":
		var req reportRequest
		if msg = decode(body, &req); msg == "" {
			resp, msg = runReport(id, &req, false)
		}
	case "runRealtimeReport":
		var req reportRequest
		if msg = decode(body, &req); msg == "" {
			resp, msg = runReport(id, &req, true)
		}
	case "batchRunReports":
		resp, msg = batch(id, body)
	default:
		apiError(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
		return
	}
	if msg != "" {
		apiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func decode(body []byte, into any) string {
	if err := json.Unmarshal(body, into); err != nil {
		return "Invalid JSON payload received. " + err.Error()
	}
	return ""
}

func batch(id string, body []byte) (any, string) {
	var req struct {
		Requests []json.RawMessage `json:"requests"`
	}
	if msg := decode(body, &req); msg != "" {
		return nil, msg
	}
	if len(req.Requests) == 0 || len(req.Requests) > 5 {
		return nil, "requests must contain between 1 and 5 requests."
	}
	var reports []any
	for _, raw := range req.Requests {
		var rr reportRequest
		if msg := decode(raw, &rr); msg != "" {
			return nil, msg
		}
		if rr.Property != "" && rr.Property != "properties/"+id {
			return nil, "The property within RunReportRequest must be unspecified or consistent with the batch property."
		}
		rep, msg := runReport(id, &rr, false)
		if msg != "" {
			return nil, msg
		}
		reports = append(reports, rep)
	}
	return map[string]any{"reports": reports, "kind": "analyticsData#batchRunReports"}, ""
}

type value struct {
	Value string `json:"value"`
}

type row struct {
	DimensionValues []value `json:"dimensionValues,omitempty"`
	MetricValues    []value `json:"metricValues,omitempty"`
}

// runReport aggregates the data set by the requested dimensions, over the
// date ranges (a realtime report reads the last day), sorted by the
// dimension values.
func runReport(id string, req *reportRequest, realtime bool) (any, string) {
	if req.Property != "" && req.Property != "properties/"+id {
		return nil, "property in the body does not match the URL."
	}
	dims, mets, msg := checkFields(req, realtime)
	if msg != "" {
		return nil, msg
	}
	from, to, msg := dateRange(req, realtime)
	if msg != "" {
		return nil, msg
	}
	sums := map[string][]float64{}
	var keys []string
	for _, f := range dataset() {
		if f.dims["date"] < from || f.dims["date"] > to {
			continue
		}
		var dv []string
		for _, d := range dims {
			dv = append(dv, f.dims[d])
		}
		k := strings.Join(dv, "\x00")
		if _, ok := sums[k]; !ok {
			sums[k] = make([]float64, len(mets))
			keys = append(keys, k)
		}
		for i, m := range mets {
			sums[k][i] += f.mets[m]
		}
	}
	slices.Sort(keys)
	rows := make([]row, 0, len(keys))
	for _, k := range keys {
		var rw row
		if len(dims) > 0 {
			for _, v := range strings.Split(k, "\x00") {
				rw.DimensionValues = append(rw.DimensionValues, value{v})
			}
		}
		for _, v := range sums[k] {
			rw.MetricValues = append(rw.MetricValues, value{strconv.FormatFloat(v, 'f', -1, 64)})
		}
		rows = append(rows, rw)
	}
	return reportResponse(dims, mets, rows, req, realtime)
}

func reportResponse(dims, mets []string, rows []row, req *reportRequest, realtime bool) (any, string) {
	total := len(rows)
	offset, limit := 0, 10000
	if req.Offset != "" {
		o, err := strconv.Atoi(req.Offset.String())
		if err != nil || o < 0 {
			return nil, "offset must be non-negative."
		}
		offset = min(o, total)
	}
	if req.Limit != "" {
		l, err := strconv.Atoi(req.Limit.String())
		if err != nil || l < 0 || l > 250000 {
			return nil, "limit must be between 0 and 250000."
		}
		if l > 0 {
			limit = l
		}
	}
	rows = rows[offset:min(total, offset+limit)]
	var dh, mh []map[string]string
	for _, d := range dims {
		dh = append(dh, map[string]string{"name": d})
	}
	for _, m := range mets {
		mh = append(mh, map[string]string{"name": m, "type": metricType(m)})
	}
	resp := map[string]any{"dimensionHeaders": dh, "metricHeaders": mh, "kind": "analyticsData#runReport"}
	if len(rows) > 0 {
		resp["rows"] = rows
	}
	if total > 0 { // proto3 JSON leaves zero values out
		resp["rowCount"] = total
	}
	if realtime {
		resp["kind"] = "analyticsData#runRealtimeReport"
	} else {
		resp["metadata"] = map[string]any{"currencyCode": "USD", "timeZone": "America/Los_Angeles"}
	}
	return resp, ""
}

func checkFields(req *reportRequest, realtime bool) (dims, mets []string, msg string) {
	validDim := func(n string) bool {
		if realtime {
			return slices.Contains(realtimeDimensions, n)
		}
		return slices.ContainsFunc(dimensions, func(f field) bool { return f.apiName == n })
	}
	validMet := func(n string) bool {
		if realtime {
			return slices.Contains(realtimeMetrics, n)
		}
		return slices.ContainsFunc(metrics, func(f field) bool { return f.apiName == n })
	}
	for _, d := range req.Dimensions {
		if !validDim(d.Name) {
			return nil, nil, fmt.Sprintf("Field %s is not a valid dimension. For a list of valid dimensions and metrics, "+
				"see https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema", d.Name)
		}
		dims = append(dims, d.Name)
	}
	for _, m := range req.Metrics {
		if !validMet(m.Name) {
			return nil, nil, fmt.Sprintf("Field %s is not a valid metric. For a list of valid dimensions and metrics, "+
				"see https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema", m.Name)
		}
		mets = append(mets, m.Name)
	}
	if len(dims) == 0 && len(mets) == 0 {
		return nil, nil, "At least one dimension or metric must be requested."
	}
	return dims, mets, ""
}

func metricType(name string) string {
	for _, m := range metrics {
		if m.apiName == name {
			return m.typ
		}
	}
	return "TYPE_INTEGER"
}

// dateRange returns the first date range as YYYYMMDD bounds. Only
// YYYY-MM-DD dates are understood by the fake.
func dateRange(req *reportRequest, realtime bool) (string, string, string) {
	last := datasetStart.AddDate(0, 0, 6).Format("20060102")
	if realtime {
		return last, last, ""
	}
	if len(req.DateRanges) == 0 {
		return "", "", "dateRanges must be specified."
	}
	dr := req.DateRanges[0]
	from, err1 := time.Parse("2006-01-02", dr.StartDate)
	to, err2 := time.Parse("2006-01-02", dr.EndDate)
	if err1 != nil || err2 != nil || to.Before(from) {
		return "", "", "Invalid date range: " + dr.StartDate + " to " + dr.EndDate
	}
	return from.Format("20060102"), to.Format("20060102"), ""
}
