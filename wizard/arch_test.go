package wizard

import (
	"reflect"
	"testing"

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
