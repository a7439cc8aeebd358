package config

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation"
)

// validateNetwork checks the network section: the CIDRs become `except` entries of an
// ipBlock 0.0.0.0/0, which the apiserver accepts only as canonical IPv4 prefixes; the
// selectors become namespace and pod label selectors.
func (c *Config) validateNetwork(v *validator) {
	for i, s := range c.Network.ClusterCIDRs {
		p := fmt.Sprintf("network.clusterCIDRs[%d]", i)
		pfx, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			v.add(p, "%q is not a CIDR: %v", s, err)
		case !pfx.Addr().Is4():
			v.add(p, "%q: only IPv4 ranges (environments get no IPv6 egress)", s)
		case pfx.Bits() == 0:
			v.add(p, "%q would deny the whole internet; leave package installs possible", s)
		case pfx.Masked() != pfx:
			v.add(p, "%q is not canonical, write %q", s, pfx.Masked().String())
		}
	}
	selector(v, "network.sshGateway", c.Network.SSHGateway)
	selector(v, "network.dns", c.Network.DNS)
}

func selector(v *validator, p string, s PeerSelector) {
	if s.Namespace != "" {
		for _, msg := range validation.IsDNS1123Label(s.Namespace) {
			v.add(p+".namespace", "%q: %s", s.Namespace, msg)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.PodLabels)) {
		for _, msg := range validation.IsQualifiedName(k) {
			v.add(p+".podLabels", "key %q: %s", k, msg)
		}
		for _, msg := range validation.IsValidLabelValue(s.PodLabels[k]) {
			v.add(p+".podLabels."+k, "value %q: %s", s.PodLabels[k], msg)
		}
	}
}
