package env

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/shared/config"
)

func TestWarningOf(t *testing.T) {
	cfg := config.Default()
	alpha, _ := cfg.Team("alpha") // deletes on expiry, default 15m notice
	beta, _ := cfg.Team("beta")   // stops on expiry
	none := *beta
	none.StopWarning = new(config.Duration(0))
	noOff := *beta
	noOff.AllowIdleStopOff = new(false)
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	exp := at.Add(10 * time.Minute)
	dep := func(replicas int32, ann ...string) *appsv1.Deployment {
		a := map[string]string{}
		for i := 0; i+1 < len(ann); i += 2 {
			a[ann[i]] = ann[i+1]
		}
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Annotations: a}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To(replicas)}}
	}
	stamp := at.Format(time.RFC3339)
	tests := []struct {
		name string
		d    *appsv1.Deployment
		team *config.Team
		want *Warning
	}{
		{"none", dep(1), beta, nil},
		{"idle warned", dep(1, IdleWarnedAnnotation, stamp), beta,
			&Warning{Kind: WarningIdle, Since: at, StopsAt: at.Add(15 * time.Minute), WaysOut: IdleWaysOut(beta, "scratch"), IdleStopOffAllowed: true}},
		{"idle warned, the team does not allow the idle stop off", dep(1, IdleWarnedAnnotation, stamp), &noOff,
			&Warning{Kind: WarningIdle, Since: at, StopsAt: at.Add(15 * time.Minute), WaysOut: IdleWaysOut(&noOff, "scratch")}},
		{"idle warned, stopped since", dep(0, IdleWarnedAnnotation, stamp), beta, nil},
		{"idle warned, idle stop off since", dep(1, IdleWarnedAnnotation, stamp, IdleStopAnnotation, "false"), beta, nil},
		{"team without warnings", dep(1, IdleWarnedAnnotation, stamp), &none, nil},
		{"expiry warned late: stop waits for the notice", dep(1, ExpiryWarnedAnnotation, stamp), beta,
			&Warning{Kind: WarningExpiry, Since: at, StopsAt: at.Add(15 * time.Minute), WaysOut: ExpiryWaysOut(beta, "scratch"), OnExpiry: "stop"}},
		{"expiry of a stopped env of a team that stops: nothing to lose", dep(0, ExpiryWarnedAnnotation, stamp), beta, nil},
		{"expiry of a stopped env of a team that deletes", dep(0, ExpiryWarnedAnnotation, at.Add(-10*time.Minute).Format(time.RFC3339)), alpha,
			&Warning{Kind: WarningExpiry, Since: at.Add(-10 * time.Minute), StopsAt: exp, WaysOut: ExpiryWaysOut(alpha, "scratch"), OnExpiry: "delete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, warningOf(tt.d, tt.team, exp)); diff != "" {
				t.Errorf("warningOf (-want +got):\n%s", diff)
			}
		})
	}
	if got := IdleWaysOut(&noOff, "persistent"); got == IdleWaysOut(beta, "persistent") {
		t.Errorf("IdleWaysOut offers turning idle stop off to a team that does not allow it: %q", got)
	}
	if got := ExpiryWaysOut(alpha, "persistent"); got == ExpiryWaysOut(beta, "persistent") {
		t.Errorf("ExpiryWaysOut does not tell a deleting team from a stopping one: %q", got)
	}
}

// TestWaysOutSayWhatAStopCostsTheHome: a scratch home is never said to be kept.
func TestWaysOutSayWhatAStopCostsTheHome(t *testing.T) {
	cfg := config.Default()
	alpha, _ := cfg.Team("alpha") // deletes on expiry
	beta, _ := cfg.Team("beta")   // stops on expiry
	tests := []struct {
		name, got, want string
	}{
		{"idle, persistent", IdleWaysOut(beta, "persistent"), "; a stop keeps the home, and start brings it back"},
		{"idle, scratch", IdleWaysOut(beta, "scratch"), "; a stop discards its scratch home: copy out what you need"},
		{"expiry stops, persistent", ExpiryWaysOut(beta, "persistent"), "; on expiry it is stopped, home kept"},
		{"expiry stops, scratch", ExpiryWaysOut(beta, "scratch"), "; on expiry it is stopped and its scratch home discarded: copy out what you need"},
		{"expiry deletes", ExpiryWaysOut(alpha, "persistent"), "; on expiry team alpha deletes environments, home included: copy out what you need"},
	}
	for _, tc := range tests {
		if !strings.HasSuffix(tc.got, tc.want) {
			t.Errorf("%s: %q, want it to end %q", tc.name, tc.got, tc.want)
		}
	}
}
