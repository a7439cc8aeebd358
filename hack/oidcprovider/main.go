// Command oidcprovider is a real OpenID Connect provider for the browser test of the UI's
// OIDC sign-in (hack/e2e/oidc_test.go): zitadel/oidc's op package (the provider side of a
// certified OIDC library) with its in-memory example storage, one public client that must
// use PKCE, and users whose ID tokens carry a groups claim that devenvs maps to teams.
// It is its own module so the product's go.mod does not carry a provider.
//
//	go run . -client devenvs-ui -user alice=devenvs:alpha -user carol=devenvs:alpha,devenvs:beta
//
// It listens on a free loopback port and prints "issuer http://127.0.0.1:PORT/" once it
// serves. Users sign in at its login page with their name and the password "password".
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Password is every test user's password.
const Password = "password"

// GroupsScope asks for the groups claim, as with most providers (Dex, Keycloak's mappers).
const GroupsScope = "groups"

type users map[string][]string // user -> groups

func (u users) String() string { return fmt.Sprint(map[string][]string(u)) }

func (u users) Set(v string) error {
	name, groups, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want name=group,group, got %q", v)
	}
	u[name] = strings.Split(groups, ",")
	return nil
}

// userStore holds the test users; the ID token's sub is the user name.
type userStore map[string]*storage.User

func (s userStore) GetUserByID(id string) *storage.User { return s[id] }
func (s userStore) GetUserByUsername(name string) *storage.User {
	return s[name]
}
func (s userStore) ExampleClientID() string { return storage.ServiceUserID }

// withGroups adds the groups claim to the user info (and so to the ID token) for the
// groups scope; everything else is the example storage's.
type withGroups struct {
	*storage.Storage
	groups users
}

func (s *withGroups) SetUserinfoFromScopes(ctx context.Context, info *oidc.UserInfo, userID, clientID string, scopes []string) error {
	if err := s.Storage.SetUserinfoFromScopes(ctx, info, userID, clientID, scopes); err != nil {
		return err
	}
	for _, scope := range scopes {
		if scope == GroupsScope {
			info.AppendClaims("groups", s.groups[userID])
		}
	}
	return nil
}

// GetClientByClientID lets the clients ask for the groups scope, which the example's
// clients do not allow (the provider drops scopes a client may not ask for).
func (s *withGroups) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return groupsClient{c}, nil
}

type groupsClient struct{ op.Client }

func (c groupsClient) IsScopeAllowed(scope string) bool {
	return scope == GroupsScope || c.Client.IsScopeAllowed(scope)
}

func main() {
	client := flag.String("client", "devenvs-ui", "the public client's id")
	members := users{}
	flag.Var(members, "user", "name=group,group (repeatable)")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	issuer := fmt.Sprintf("http://%s/", ln.Addr())

	store := userStore{}
	for name := range members {
		store[name] = &storage.User{ID: name, Username: name, Password: Password, FirstName: name,
			LastName: "Test", Email: name + "@example.com", EmailVerified: true, PreferredLanguage: language.English}
	}
	// A native (public) client: no secret, PKCE required; a loopback redirect URI matches
	// any port (RFC 8252), so the UI's test server may listen anywhere on 127.0.0.1.
	storage.RegisterClients(storage.NativeClient(*client, "http://127.0.0.1/"))
	st := &withGroups{Storage: storage.NewStorage(store), groups: members}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	router := exampleop.SetupServer(issuer, st, quiet, false)
	fmt.Println("issuer", issuer)
	log.Fatal(http.Serve(ln, router))
}
