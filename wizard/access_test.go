package wizard

// What the tests read of the flows' state, through the root.

// step is the step on screen.
func (m *Model) step() stepID {
	if s, ok := m.cur.(interface{ stepOf() stepID }); ok {
		return s.stepOf()
	}
	return stepWelcome
}

func (s *steps) stepOf() stepID { return s.step }

// answers are the setup's answers (the passphrase flows share them).
func (m *Model) answers() *Answers { return m.flows[toSetup].(*setupFlow).a }

// memberAnswers are the add-a-member flow's answers.
func (m *Model) memberAnswers() *memberAnswers { return m.flows[dest(choiceMember)].(*memberFlow).mem }

// removeApplyOut is what "apply now" said on the remove flow's done page.
func (m *Model) removeApplyOut() string { return m.flows[dest(choiceRemove)].(*removeFlow).r.out }
