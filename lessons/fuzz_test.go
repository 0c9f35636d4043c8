package lessons

import "testing"

func FuzzParseQuizzes(f *testing.F) {
	f.Add(quizzesJSON)
	f.Add([]byte(`{"pre":[],"post":[]}`))
	f.Add([]byte(`{"pre":[{"id":"a","answer":-1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := ParseQuizzes(data)
		if err != nil {
			return
		}
		for name := range q {
			res, err := q.Check(name, map[string]int{})
			if err != nil {
				t.Fatal(err)
			}
			_ = q.HTML(name, "tr", res)
		}
	})
}
