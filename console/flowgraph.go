package console

import (
	"fmt"
	"strings"

	"github.com/aos-dev/aos/secinfra"
)

// flowGraph is the flow map drawn as SVG: sources on the left,
// destinations on the right, one curve per edge. It is laid out here, on
// the server, so that the page needs no script to show it.
type flowGraph struct {
	Width, Height int
	Nodes         []graphNode
	Edges         []graphEdge
}

type graphNode struct {
	X, Y, W, H int
	TX, TY     int // where the label goes
	Label      string
	Source     bool
}

type graphEdge struct {
	Path   string
	LX, LY int
	Label  string
	Title  string
}

const (
	graphWidth = 640
	nodeW      = 180
	nodeH      = 36
	rowH       = 64
	graphPad   = 16
)

// drawFlows lays out m. Node and edge order follows the map's (sorted),
// so the same map always draws the same picture.
func drawFlows(m *secinfra.FlowMap) flowGraph {
	var g flowGraph
	g.Width = graphWidth
	srcRow, dstRow := map[string]int{}, map[string]int{}
	var srcs, dsts []string
	for _, e := range m.Edges {
		if _, ok := srcRow[e.Source]; !ok {
			srcRow[e.Source] = len(srcs)
			srcs = append(srcs, e.Source)
		}
		if _, ok := dstRow[e.Destination]; !ok {
			dstRow[e.Destination] = len(dsts)
			dsts = append(dsts, e.Destination)
		}
	}
	rows := max(len(srcs), len(dsts), 1)
	g.Height = rows*rowH + 2*graphPad
	y := func(row int) int { return graphPad + row*rowH }
	for i, s := range srcs {
		g.Nodes = append(g.Nodes, graphNode{X: graphPad, Y: y(i), W: nodeW, H: nodeH, TX: graphPad + 10, TY: y(i) + 23, Label: s, Source: true})
	}
	right := graphWidth - graphPad - nodeW
	for i, d := range dsts {
		g.Nodes = append(g.Nodes, graphNode{X: right, Y: y(i), W: nodeW, H: nodeH, TX: right + 10, TY: y(i) + 23, Label: d})
	}
	for i, e := range m.Edges {
		x1, y1 := graphPad+nodeW, y(srcRow[e.Source])+nodeH/2
		x2, y2 := right, y(dstRow[e.Destination])+nodeH/2
		mx := (x1 + x2) / 2
		label := fmt.Sprintf("%s ×%d", strings.Join(e.Categories, ", "), e.Count)
		title := fmt.Sprintf("%s %s → %s %s: %s, %d item(s) in %d call(s)", e.Source, e.SourceResource,
			e.Destination, e.Resource, strings.Join(e.Categories, ", "), e.Count, e.Crossings)
		g.Edges = append(g.Edges, graphEdge{
			Path:  fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, mx, y1, mx, y2, x2, y2),
			LX:    mx,
			LY:    (y1+y2)/2 - 6 + (i%2)*14,
			Label: label, Title: title,
		})
	}
	return g
}
