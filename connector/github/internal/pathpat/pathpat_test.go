package pathpat

import "testing"

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want Relation
	}{
		{"same", "/repos/{owner}/{repo}", "/repos/{o}/{r}", Equivalent},
		{"literal beats param", "/repos/{owner}/{repo}/issues/comments", "/repos/{owner}/{repo}/issues/{n}", MoreSpecific},
		{"param beats rest", "/repos/{o}/{r}/branches/{b}/protection", "/repos/{o}/{r}/branches/{b...}", MoreSpecific},
		{"rest is less specific", "/repos/{o}/{r}/contents/{path...}", "/repos/{o}/{r}/contents/{p}", LessSpecific},
		{"crossed", "/repos/{o}/{r}/issues/comments/{id}", "/repos/{o}/{r}/issues/{n}/comments", Overlapping},
		{"different literals", "/repos/{o}/{r}/pulls", "/repos/{o}/{r}/issues", Disjoint},
		{"different lengths", "/repos/{o}/{r}", "/repos/{o}/{r}/issues", Disjoint},
		{"trailing slash and rest", "/repos/{o}/{r}/contents/", "/repos/{o}/{r}/contents/{path...}", Disjoint},
		{"trailing slash and param", "/a/", "/a/{x}", Disjoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compare(Parse(tt.a), Parse(tt.b)); got != tt.want {
				t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	got := Parse("/repos/{owner}/x/{path...}/")
	want := []Seg{{Literal, "repos"}, {Param, "owner"}, {Literal, "x"}, {Rest, "path"}, {Literal, ""}}
	if len(got) != len(want) {
		t.Fatalf("Parse = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("segment %d = %v, want %v", i, got[i], want[i])
		}
	}
}
