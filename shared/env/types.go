package env

// Spec is the JSON body of a create request. Empty optional fields are filled from the
// configuration's defaults by SetDefaults; Validate then checks every field.
type Spec struct {
	Team string `json:"team"`
	// Name is a DNS-1123 label of at most MaxNameLength characters; it names the
	// Deployment and Service, and prefixes the Secret and PVC.
	Name  string `json:"name"`
	Image string `json:"image,omitempty"`
	// Packages are OS packages installed at start by the image's package manager, each
	// "name" or "name=version". They are passed as arguments, never as shell text.
	Packages []string `json:"packages,omitempty"`
	CPU      string   `json:"cpu,omitempty"`    // a quantity, e.g. "500m" or "2"
	Memory   string   `json:"memory,omitempty"` // a quantity, e.g. "4Gi"
	Pool     string   `json:"pool,omitempty"`
	Priority string   `json:"priority,omitempty"`
	// Lifetime is a Go duration ("8h", "90m") after which the environment expires.
	Lifetime      string   `json:"lifetime,omitempty"`
	SSHPublicKeys []string `json:"sshPublicKeys"`
	// Home is "persistent" (a volume that survives stops) or "scratch" (discarded by every
	// stop); empty means the team's default on the chosen pool (config.DefaultHome).
	Home string `json:"home,omitempty"`
	// PersistentHome is the size of the persistent home, e.g. "10Gi"; empty means the
	// configuration's default size. Asking for a size asks for a persistent home.
	PersistentHome string            `json:"persistentHome,omitempty"`
	Env            map[string]string `json:"env,omitempty"`
	// IdleStop lets the platform scale the environment to zero when it is idle; nil means
	// true (set by SetDefaults).
	IdleStop *bool `json:"idleStop,omitempty"`
}

// Actions of an Update.
const (
	ActionStop   = "stop"
	ActionStart  = "start"
	ActionExtend = "extend"
	ActionResize = "resize"
	// ActionIdleStop turns the idle stop on or off (idleStop: true/false).
	ActionIdleStop = "idle-stop"
)

// Update is the JSON body of a PATCH on an environment: one action and its arguments.
type Update struct {
	Action string `json:"action"`
	// Lifetime (extend only) is how long from now the environment should live.
	Lifetime string `json:"lifetime,omitempty"`
	// CPU and Memory (resize only) are the new request and limit; either may be empty.
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
	// IdleStop (idle-stop only) turns the idle stop on (true) or off (false).
	IdleStop *bool `json:"idleStop,omitempty"`
}
