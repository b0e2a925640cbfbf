package parsechk
import ("os";"testing";"github.com/aos-dev/aos/connector/opdef")
func TestParse(t *testing.T){ b,_:=os.ReadFile("/tmp/ops.yaml"); tb,err:=opdef.Parse("ops.yaml",b); if err!=nil{t.Fatal(err)}; t.Log(len(tb.Operations())) }
