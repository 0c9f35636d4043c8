package lessons

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestQuizDataIsValid(t *testing.T) {
	q, err := LoadQuizzes()
	if err != nil {
		t.Fatal(err)
	}
	if len(q["pre"]) < 8 || len(q["post"]) < 8 {
		t.Fatalf("pre %d, post %d questions; want at least 8 each", len(q["pre"]), len(q["post"]))
	}
	// The right answers are spread over the choices: no position wins by habit.
	for name, qs := range q {
		count := map[int]int{}
		for _, qu := range qs {
			count[qu.Answer]++
		}
		for pos, n := range count {
			if n > len(qs)/2 {
				t.Errorf("quiz %s: %d of %d answers are choice %d", name, n, len(qs), pos)
			}
		}
	}
}

func TestQuizValidationCatchesMistakes(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"answer out of range": {`{"pre":[{"id":"a","question":{"en":"q","tr":"s"},"choices":[{"en":"x","tr":"x"},{"en":"y","tr":"y"}],"answer":2,"explanation":{"en":"e","tr":"a"}}],"post":[]}`, "want a pre and a post"},
		"bad answer":          {`{"pre":[{"id":"a","question":{"en":"q","tr":"s"},"choices":[{"en":"x","tr":"x"},{"en":"y","tr":"y"}],"answer":2,"explanation":{"en":"e","tr":"a"}}],"post":[{"id":"b","question":{"en":"q","tr":"s"},"choices":[{"en":"x","tr":"x"},{"en":"y","tr":"y"}],"answer":0,"explanation":{"en":"e","tr":"a"}}]}`, "answer 2 is not one of the 2 choices"},
		"missing turkish":     {`{"pre":[{"id":"a","question":{"en":"q"},"choices":[{"en":"x","tr":"x"},{"en":"y","tr":"y"}],"answer":0,"explanation":{"en":"e","tr":"a"}}],"post":[{"id":"b","question":{"en":"q","tr":"s"},"choices":[{"en":"x","tr":"x"},{"en":"y","tr":"y"}],"answer":0,"explanation":{"en":"e","tr":"a"}}]}`, "missing \"tr\" text"},
		"unknown field":       {`{"pre":[{"id":"a","questoin":{}}]}`, "unknown field"},
		"not json":            {`quiz`, "invalid character"},
	} {
		if _, err := ParseQuizzes([]byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

func TestCheckAnswers(t *testing.T) {
	q, _ := LoadQuizzes()
	right0, wrong1 := q["pre"][0].Answer, (q["pre"][1].Answer+1)%len(q["pre"][1].Choices)
	res, err := q.Check("pre", map[string]int{"pre-1": right0, "pre-2": wrong1, "pre-3": -1})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Right || res[1].Right || res[2].Given != -1 {
		t.Fatalf("results %+v", res)
	}
	if right, total := Score(res); right != 1 || total != len(q["pre"]) {
		t.Fatalf("score %d/%d", right, total)
	}
	page := q.HTML("pre", "tr", res)
	for _, want := range []string{"Bir GAN&#39;ın üreticisi", "✔", fmt.Sprintf("✘ Doğru cevap %d", q["pre"][1].Answer), "cevaplanmadı", fmt.Sprintf("1 / %d", len(q["pre"]))} {
		if !strings.Contains(page, want) {
			t.Errorf("Turkish page lacks %q", want)
		}
	}
	if _, err := q.Check("mid", nil); err == nil {
		t.Error("want an error for an unknown quiz")
	}
}

// Both lesson texts exist, link the notebooks, and cover the same sections.
func TestLessonTexts(t *testing.T) {
	for _, lang := range Languages {
		raw, err := os.ReadFile(lang + ".md")
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		for _, want := range []string{"01-gan.ipynb", "02-dcgan.ipynb", "03-style-transfer.ipynb", "04-your-own-images.ipynb", "05-gan-problems.ipynb", "06-conditional-gan.ipynb", "00-quizzes.ipynb", "MSG-GAN", "Gram"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s.md does not mention %s", lang, want)
			}
		}
		// Every relative link (notebooks, their executed copies) leads to a file.
		for _, m := range relLink.FindAllStringSubmatch(text, -1) {
			if _, err := os.Stat(m[1]); err != nil {
				t.Errorf("%s.md links to %s, which does not exist", lang, m[1])
			}
		}
		if n := strings.Count(text, "\n## "); n != 9 {
			t.Errorf("%s.md has %d sections, want 9", lang, n)
		}
	}
}

var relLink = regexp.MustCompile(`\]\(((?:\.\./|[a-z])[^)#:]*)\)`)
