package chat_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
)

// TestOrderedAnswers: the bot's answers come in the order the visitor
// gave them, which a name that looks like a number does not upset;
// answers stored before the order was kept follow in name order.
func TestOrderedAnswers(t *testing.T) {
	tests := []struct {
		name  string
		state chat.BotState
		want  []chat.BotAnswer
	}{
		{"none", chat.BotState{}, nil},
		{"in the order given", chat.BotState{
			Answers:     map[string]string{"topic": "Sales", "seats": "12", "2": "yes"},
			AnswerOrder: []string{"topic", "seats", "2"},
		}, []chat.BotAnswer{{Name: "topic", Value: "Sales"}, {Name: "seats", Value: "12"}, {Name: "2", Value: "yes"}}},
		{"stored before the order: name order", chat.BotState{
			Answers: map[string]string{"topic": "Sales", "email": "ana@example.com"},
		}, []chat.BotAnswer{{Name: "email", Value: "ana@example.com"}, {Name: "topic", Value: "Sales"}}},
		{"names the order lacks follow it", chat.BotState{
			Answers:     map[string]string{"topic": "Sales", "b": "2", "a": "1"},
			AnswerOrder: []string{"topic", "gone"},
		}, []chat.BotAnswer{{Name: "topic", Value: "Sales"}, {Name: "a", Value: "1"}, {Name: "b", Value: "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.state.OrderedAnswers()); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
		})
	}
}
