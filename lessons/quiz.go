// Package lessons holds the lesson's text (en.md, tr.md) and its quizzes, with
// the code that validates the quiz data and checks a learner's answers.
package lessons

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"strings"
)

//go:embed quizzes.json
var quizzesJSON []byte

// Languages the lesson is written in.
var Languages = []string{"en", "tr"}

// Text is one string in every language, keyed by language code.
type Text map[string]string

// Question is one multiple-choice question.
type Question struct {
	ID          string `json:"id"`
	Question    Text   `json:"question"`
	Choices     []Text `json:"choices"`
	Answer      int    `json:"answer"` // index into Choices
	Explanation Text   `json:"explanation"`
}

// Quizzes are the pre- and post-lecture quizzes.
type Quizzes map[string][]Question

// LoadQuizzes parses and validates the embedded quiz data.
func LoadQuizzes() (Quizzes, error) { return ParseQuizzes(quizzesJSON) }

// ParseQuizzes parses quiz data and validates it: every text in every
// language, at least two choices, the answer among them, unique ids.
func ParseQuizzes(data []byte) (Quizzes, error) {
	var q Quizzes
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("quiz data: %w", err)
	}
	if len(q["pre"]) == 0 || len(q["post"]) == 0 {
		return nil, fmt.Errorf("quiz data: want a pre and a post quiz")
	}
	seen := map[string]bool{}
	for name, qs := range q {
		for i, qu := range qs {
			where := fmt.Sprintf("quiz %s, question %d (%q)", name, i+1, qu.ID)
			if qu.ID == "" || seen[qu.ID] {
				return nil, fmt.Errorf("%s: missing or repeated id", where)
			}
			seen[qu.ID] = true
			if len(qu.Choices) < 2 {
				return nil, fmt.Errorf("%s: needs at least two choices", where)
			}
			if qu.Answer < 0 || qu.Answer >= len(qu.Choices) {
				return nil, fmt.Errorf("%s: answer %d is not one of the %d choices", where, qu.Answer, len(qu.Choices))
			}
			texts := append([]Text{qu.Question, qu.Explanation}, qu.Choices...)
			for _, lang := range Languages {
				for _, t := range texts {
					if strings.TrimSpace(t[lang]) == "" {
						return nil, fmt.Errorf("%s: missing %q text", where, lang)
					}
				}
			}
		}
	}
	return q, nil
}

// Result is the check of one answer.
type Result struct {
	Question Question
	Given    int // -1: not answered
	Right    bool
}

// Check marks a learner's answers (question id -> choice index, counted from 0)
// for one quiz.
func (q Quizzes) Check(quiz string, answers map[string]int) ([]Result, error) {
	qs, ok := q[quiz]
	if !ok {
		return nil, fmt.Errorf("no quiz %q: use pre or post", quiz)
	}
	out := make([]Result, len(qs))
	for i, qu := range qs {
		given, ok := answers[qu.ID]
		if !ok {
			given = -1
		}
		out[i] = Result{Question: qu, Given: given, Right: given == qu.Answer}
	}
	return out, nil
}

// Score counts the right answers.
func Score(results []Result) (right, total int) {
	for _, r := range results {
		if r.Right {
			right++
		}
	}
	return right, len(results)
}

// HTML renders a quiz in one language; with results, it marks each answer
// right or wrong and shows the explanation.
func (q Quizzes) HTML(quiz, lang string, results []Result) string {
	var b strings.Builder
	for i, qu := range q[quiz] {
		fmt.Fprintf(&b, "<p><b>%d. %s</b> <code>%s</code></p><ol start=\"0\">", i+1, html.EscapeString(qu.Question[lang]), qu.ID)
		for _, c := range qu.Choices {
			fmt.Fprintf(&b, "<li>%s</li>", html.EscapeString(c[lang]))
		}
		b.WriteString("</ol>")
		if results != nil {
			r := results[i]
			switch {
			case r.Given < 0:
				fmt.Fprintf(&b, "<p>— %s</p>", map[string]string{"en": "not answered", "tr": "cevaplanmadı"}[lang])
			case r.Right:
				fmt.Fprintf(&b, "<p style=\"color:green\">✔ %s</p>", html.EscapeString(qu.Explanation[lang]))
			default:
				fmt.Fprintf(&b, "<p style=\"color:#b00\">✘ %s %d. %s</p>", map[string]string{"en": "The answer is", "tr": "Doğru cevap"}[lang],
					qu.Answer, html.EscapeString(qu.Explanation[lang]))
			}
		}
	}
	if results != nil {
		right, total := Score(results)
		fmt.Fprintf(&b, "<p><b>%d / %d</b></p>", right, total)
	}
	return b.String()
}
