package kube

import (
	"context"
	"fmt"
	"strconv"
)

// LogTail returns the last lines a pod's container printed.
func (c *Client) LogTail(ctx context.Context, ns, pod, container string, lines int) (string, error) {
	raw, err := c.core.Get().Namespace(ns).Resource("pods").Name(pod).SubResource("log").
		Param("container", container).Param("tailLines", strconv.Itoa(lines)).DoRaw(ctx)
	if err != nil {
		return "", fmt.Errorf("log of %s/%s: %w", ns, pod, err)
	}
	return string(raw), nil
}
