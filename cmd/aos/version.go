package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { register(newVersionCmd) }

// buildVersion is what `aos version` prints: the module version and the
// VCS revision the binary was built from, as the Go toolchain recorded them.
type buildVersion struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

func readVersion() buildVersion {
	v := buildVersion{Module: "github.com/aos-dev/aos", Version: "(unknown)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Go = bi.GoVersion
	if bi.Main.Path != "" {
		v.Module = bi.Main.Path
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func newVersionCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "The module version and VCS revision of this binary",
		Long: `The module version and the VCS revision this binary was built from, as the Go
toolchain recorded them (go install …@vX gives a version; a build in a git
checkout gives the revision, and "modified" when the tree had changes).`,
		Example: `  aos version
  aos version --json`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		v := readVersion()
		if *asJSON {
			return printJSON(e.stdout, v)
		}
		fmt.Fprintf(e.stdout, "aos %s (%s)\n", v.Version, v.Module)
		rev := v.Revision
		if rev == "" {
			rev = "unknown (built without VCS information)"
		} else if v.Modified {
			rev += " (modified)"
		}
		fmt.Fprintf(e.stdout, "revision: %s\n", rev)
		if v.Time != "" {
			fmt.Fprintf(e.stdout, "commit time: %s\n", v.Time)
		}
		fmt.Fprintf(e.stdout, "go: %s\n", v.Go)
		return nil
	}
	return cmd
}
