package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/jackc/pgx/v5/pgconn"
)

// rowBudget bounds the encoded rows of one call, leaving room for the
// rest of the answer under connector.MaxBody.
const rowBudget = connector.MaxBody - 1<<20

// column describes one result column.
type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// result is the answer of one statement.
type result struct {
	columns   []column
	oids      []uint32
	rows      []json.RawMessage // JSON arrays, one per row (query, execute)
	csv       bytes.Buffer      // copy_out
	count     int
	size      int
	truncated bool
	// canceled: the server was told to stop sending rows, which aborts the
	// transaction and leaves the session unfit for reuse.
	canceled bool
	tag      pgconn.CommandTag
	// customers is how many customers checkBulk counted in the rows.
	customers int
}

// execute runs the statement and reads its rows up to the call's caps. A
// read over a cap is cancelled on the server; a write's extra RETURNING
// rows are read and dropped, so the write itself completes.
func (x *execution) execute(ctx context.Context, pc *pgconn.PgConn, types []string) (*result, error) {
	rr := pc.ExecParams(ctx, x.sql, x.params, nil, nil, nil)
	res := &result{}
	for i, f := range rr.FieldDescriptions() {
		c := column{Name: f.Name, Type: "oid " + strconv.FormatUint(uint64(f.DataTypeOID), 10)}
		if i < len(types) {
			c.Type = types[i]
		}
		res.columns, res.oids = append(res.columns, c), append(res.oids, f.DataTypeOID)
	}
	if x.op.Name == "copy_out" {
		res.csvHeader()
	}
	for rr.NextRow() {
		if res.count >= x.rowCap || res.size > rowBudget {
			res.truncated = true
			if x.op.Access == aos.Read {
				res.canceled = true
				pc.CancelRequest(context.WithoutCancel(ctx))
				break
			}
			continue
		}
		res.add(x.op.Name, rr.Values())
	}
	tag, err := rr.Close()
	var pgErr *pgconn.PgError
	if err != nil && !(res.canceled && errors.As(err, &pgErr) && pgErr.Code == "57014") {
		return nil, err
	}
	res.tag = tag
	return res, nil
}

func (r *result) add(op string, raw [][]byte) {
	vals := make([]any, len(raw))
	for i, v := range raw {
		vals[i] = decodeValue(r.oids[i], v)
	}
	r.count++
	if op == "copy_out" {
		n := r.csv.Len()
		writeCSV(&r.csv, vals)
		r.size += r.csv.Len() - n
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(vals) // values are strings, numbers, booleans, raw JSON and arrays of them
	row := bytes.TrimRight(b.Bytes(), "\n")
	r.rows = append(r.rows, row)
	r.size += len(row) + 1
}

func (r *result) csvHeader() {
	names := make([]any, len(r.columns))
	for i, c := range r.columns {
		names[i] = c.Name
	}
	writeCSV(&r.csv, names)
}

// writeCSV writes one RFC 4180 record: NULL is an empty field, an empty
// string is "", and a field is quoted when it holds a comma, quote, line
// break or leading or trailing space. Arrays and JSON are written as JSON.
func writeCSV(b *bytes.Buffer, vals []any) {
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		var s string
		switch t := v.(type) {
		case nil:
			continue
		case string:
			s = t
		case bool:
			s = "false"
			if t {
				s = "true"
			}
		case json.Number:
			s = string(t)
		case json.RawMessage:
			s = string(t)
		default:
			j, _ := json.Marshal(t)
			s = string(j)
		}
		if s == "" || strings.ContainsAny(s, ",\"\r\n") || strings.TrimSpace(s) != s {
			s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		b.WriteString(s)
	}
	b.WriteString("\r\n")
}

// answer is the JSON a call returns.
type answer struct {
	Columns      []column           `json:"columns"`
	Rows         *[]json.RawMessage `json:"rows,omitempty"`
	CSV          *string            `json:"csv,omitempty"`
	RowCount     int                `json:"row_count"`
	Truncated    bool               `json:"truncated"`
	Command      string             `json:"command,omitempty"`
	RowsAffected *int64             `json:"rows_affected,omitempty"`
}

// encode writes the answer: {columns: [{name, type}], rows: [[...]],
// row_count, truncated}, with csv instead of rows for copy_out, and the
// command tag and rows_affected for execute.
func (r *result) encode(op aos.Operation) ([]byte, error) {
	a := answer{Columns: r.columns, RowCount: r.count, Truncated: r.truncated}
	if a.Columns == nil {
		a.Columns = []column{}
	}
	switch op.Name {
	case "copy_out":
		s := r.csv.String()
		a.CSV = &s
	default:
		rows := r.rows
		if rows == nil {
			rows = []json.RawMessage{}
		}
		a.Rows = &rows
	}
	if op.Name == "execute" {
		n := r.tag.RowsAffected()
		a.Command, a.RowsAffected = r.tag.String(), &n
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return nil, aos.Errorf(aos.EInternal, "cannot encode the result")
	}
	if b.Len() > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the result is larger than %d MiB", connector.MaxBody>>20)
	}
	return b.Bytes(), nil
}
