// Command devenvs-admin does the platform team's one-off chores against a cluster.
//
//	devenvs-admin apply-teams [--config FILE] [--kubeconfig FILE]
//
// apply-teams creates or updates every team's namespace and ResourceQuota and the
// PriorityClasses from the configuration (the embedded default without --config).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/kube"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "apply-teams" {
		fmt.Fprintln(os.Stderr, "usage: devenvs-admin apply-teams [--config FILE] [--kubeconfig FILE]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("apply-teams", flag.ExitOnError)
	cfgPath := fs.String("config", "", "configuration file (default: the embedded default)")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig (default: $KUBECONFIG or in-cluster)")
	_ = fs.Parse(os.Args[2:])
	if err := applyTeams(*cfgPath, *kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, "devenvs-admin:", err)
		os.Exit(1)
	}
}

func applyTeams(cfgPath, kubeconfig string) error {
	cfg := config.Default()
	if cfgPath != "" {
		var err error
		if cfg, err = config.Load(cfgPath); err != nil {
			return err
		}
	}
	rc, err := kube.RESTConfig(kubeconfig)
	if err != nil {
		return err
	}
	c, err := kube.New(rc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.ApplyTeams(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "applied %d teams and %d priority classes\n", len(cfg.Teams), len(cfg.Priorities))
	return nil
}
