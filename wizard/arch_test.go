package wizard

import (
	"reflect"
	"testing"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// maxRootFields is issue 20's measure: the root model only routes and
// holds what every flow shares.
const maxRootFields = 12

// TestRootModelIsSmall counts the root model's fields (an embedded struct
// counts once, as the one thing it is), and checks that neither the root
// nor what the flows share holds a flow's answers or results: those
// belong to the flows.
func TestRootModelIsSmall(t *testing.T) {
	root := reflect.TypeFor[Model]()
	if n := root.NumField(); n > maxRootFields {
		t.Errorf("the root model has %d fields, want at most %d", n, maxRootFields)
	}
	owned := []reflect.Type{
		reflect.TypeFor[*Answers](), reflect.TypeFor[*memberAnswers](), reflect.TypeFor[*connectAnswers](),
		reflect.TypeFor[*requestAnswers](), reflect.TypeFor[*setup.Prepared](), reflect.TypeFor[writer](),
		reflect.TypeFor[restarter](), reflect.TypeFor[*tail](),
	}
	for _, typ := range []reflect.Type{root, reflect.TypeFor[common]()} {
		for i := range typ.NumField() {
			f := typ.Field(i)
			for _, o := range owned {
				if f.Type == o {
					t.Errorf("%s.%s is a %s: a flow's own state", typ.Name(), f.Name, o)
				}
			}
		}
	}
}

// TestEveryErrandHasAFlow: route finds a flow for each choice of the menus
// and for the setup.
func TestEveryErrandHasAFlow(t *testing.T) {
	m := New(newFakes(), testOptions())
	for _, d := range []dest{toMenu, toSetup, dest(choiceMember), dest(choiceRemove), dest(choiceSwitch),
		dest(choiceFinalize), dest(choiceRenew), dest(choiceStatus), dest(choiceConnect), dest(choiceRequest)} {
		if m.flows[d] == nil {
			t.Errorf("no flow for %q", d)
		}
	}
}

// TestRouteEachErrand walks from the menu of a host with a CA into each
// errand and out again: Esc from an errand's first step leads back to the
// menu and drops the errors kept for the errand; Enter on the status goes
// back to the menu keeping them (route's two ways back).
func TestRouteEachErrand(t *testing.T) {
	cases := []struct {
		downs int
		first stepID
		title string
	}{
		{0, stepMember, "Add a team member · 1/2"},
		{1, stepRemove, "Remove a team member · 1/2"},
		{2, stepRenew, "Renew the server certificate · 1/4"},
		{3, stepStatus, "Status"},
		{4, stepCA, "Step 2/8 · Certificate authority"},
	}
	kept := extErr{reasons: []string{"kept"}}
	for _, c := range cases {
		d := newDriver(t, newFakes(), existingOptions())
		for range c.downs {
			d.key("down")
		}
		d.key("enter")
		d.wantStep(c.first)
		d.wantText(c.title)
		d.m.errs.byField[pki.FieldFQDN] = kept
		d.key("esc")
		d.wantStep(stepWelcome)
		d.wantText("Step 1/8 · Welcome")
		if len(d.m.errs.byField) != 0 {
			t.Errorf("%s: Esc back to the menu kept %v", c.title, d.m.errs.byField)
		}
	}
	d := newDriver(t, newFakes(), existingOptions())
	d.key("down", "down", "down", "enter")
	d.wantStep(stepStatus)
	d.m.errs.byField[pki.FieldFQDN] = kept
	d.key("enter")
	d.wantStep(stepWelcome)
	if _, ok := d.m.errs.byField[pki.FieldFQDN]; !ok {
		t.Error("Enter on the status dropped the errors kept")
	}
}
