package hubspot

import (
	"encoding/json"
	"strconv"
	"sync"

	"github.com/aos-dev/aos"
)

// maxExportTasks bounds the export tasks remembered per process.
const maxExportTasks = 10000

// exportTasks remembers, for each export this process started, the object
// types it took out. An export's status answers with a link to the file,
// so polling it is a read of those types; the status of an export this
// process did not see start (another replica's, or one from before a
// restart) is account-wide.
type exportTasks struct {
	mu    sync.Mutex
	tasks map[string]string // connection key + "\x00" + task ID → resource
}

func newExportTasks() *exportTasks { return &exportTasks{tasks: map[string]string{}} }

func exportKey(c *aos.Connection, task string) string {
	return strconv.FormatInt(c.ID, 10) + "\x00" + c.BaseURL + "\x00" + task
}

// resource returns the resource of polling task's status.
func (e *exportTasks) resource(c *aos.Connection, task string) string {
	if e == nil {
		return AccountWide
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.tasks[exportKey(c, task)]; ok {
		return r
	}
	return AccountWide
}

// learn records the task ID HubSpot answered an export start with.
func (e *exportTasks) learn(c *aos.Connection, resource string, answer []byte) {
	var loc struct {
		ID json.RawMessage `json:"id"`
	}
	if e == nil || json.Unmarshal(answer, &loc) != nil {
		return
	}
	var id string
	if json.Unmarshal(loc.ID, &id) != nil {
		var n json.Number
		if json.Unmarshal(loc.ID, &n) != nil {
			return
		}
		id = n.String()
	}
	if id == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.tasks) >= maxExportTasks {
		clear(e.tasks) // forgetting only narrows: unknown tasks are account-wide
	}
	e.tasks[exportKey(c, id)] = resource
}
