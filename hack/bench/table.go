package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one figure beside its baseline. ratio is figure/baseline (how many times the
// baseline's cost devenvs pays; below 1 means faster than the baseline).
type row struct {
	section, figure   string
	value, baseline   string
	ratio, goal, note string
}

type table struct{ rows []row }

func (t *table) add(r row) {
	t.rows = append(t.rows, r)
	logf("%-9s %-44s %12s  baseline %12s  ratio %6s  %s %s", r.section, r.figure, r.value, r.baseline, r.ratio, r.goal, r.note)
}

func (t *table) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SECTION\tFIGURE\tVALUE\tBASELINE\tRATIO\tGOAL\tNOTE")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.section, r.figure, r.value, r.baseline, r.ratio, r.goal, r.note)
	}
	_ = tw.Flush()
}

func (t *table) markdown() string {
	var b strings.Builder
	b.WriteString("| section | figure | value | baseline | ratio | goal | note |\n|---|---|---:|---:|---:|---|---|\n")
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.section, r.figure, r.value, r.baseline, r.ratio, r.goal, r.note)
	}
	return b.String()
}

// percentile of sorted-or-not durations, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f ms", f)
	case f >= 10:
		return fmt.Sprintf("%.1f ms", f)
	default:
		return fmt.Sprintf("%.2f ms", f)
	}
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func dratio(a, b time.Duration) string { return ratio(float64(a), float64(b)) }

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// check renders a goal and whether it was met.
func check(goal string, ok bool) string {
	if ok {
		return goal + " (met)"
	}
	return goal + " (MISSED)"
}
