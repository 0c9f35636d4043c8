package kernel

import (
	"fmt"
	"html"
	"image"
	"os"
	"strings"
	"time"

	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// HeadlessEnv is set to "1" in the environment of notebooks run without a
// browser (`ganbook notebooks run`, the tests): no one can move a widget there.
const HeadlessEnv = "GANBOOK_HEADLESS"

// ExploreHTMLID is the id of the picture Explore redraws (the browser test
// watches it).
const ExploreHTMLID = "ganbook-explore"

// Explore lets the learner choose one of names (a class) and a seed (a
// slider from 0 to seeds-1), and shows the pictures draw makes of them, in a
// row,
// redrawn each time either moves, until they press Done or limit passes.
// The cell keeps running meanwhile: GoNB's widgets talk to the running
// program. Without a browser (headless runs) it shows, instead, each class's
// pictures for seed 0, one row under the other. GoNB's widgets wait for the
// browser's JavaScript: a front end without it (nbconvert, papermill, an
// editor's notebook view) needs GANBOOK_HEADLESS=1, as ganbook's runner sets.
func Explore(names []string, seeds int, limit time.Duration, draw func(class, seed int) ([]image.Image, error)) error {
	row := func(class, seed int) (string, error) {
		imgs, err := draw(class, seed)
		if err != nil || len(imgs) == 0 {
			return "", err
		}
		return ImageHTML(imgio.Grid(imgs, len(imgs), 2, 2), 2), nil
	}
	if !gonbui.IsNotebook || os.Getenv(HeadlessEnv) == "1" {
		var b strings.Builder
		b.WriteString("<p>(run in Jupyter to choose with the widgets; here: every class, seed 0)</p>")
		for c, name := range names {
			pics, err := row(c, 0)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "<p>%s</p>%s", html.EscapeString(name), pics)
		}
		Show(b.String())
		return nil
	}
	class, seed := 0, 0
	gonbui.DisplayHTML("<b>class</b>")
	sel := widgets.Select(names).Done()
	gonbui.DisplayHTML(fmt.Sprintf("<b>noise seed</b> (0 to %d)", seeds-1))
	slider := widgets.Slider(0, seeds-1, 0).Done()
	done := widgets.Button("Done").Done()
	picture := gonbui.UniqueId()
	redraw := func() error {
		pics, err := row(class, seed)
		if err != nil {
			return err
		}
		gonbui.UpdateHTML(picture, fmt.Sprintf(`<div id=%q data-class="%d" data-seed="%d"><p>%s, seed %d</p>%s</div>`,
			ExploreHTMLID, class, seed, html.EscapeString(names[class]), seed, pics))
		return nil
	}
	if err := redraw(); err != nil {
		return err
	}
	classes, seedMoves, pressed := sel.Listen().LatestOnly(), slider.Listen().LatestOnly(), done.Listen()
	defer classes.Close()
	defer seedMoves.Close()
	defer pressed.Close()
	timeout := time.After(limit)
	for {
		select {
		case class = <-classes.C:
		case seed = <-seedMoves.C:
		case <-pressed.C:
			return nil
		case <-timeout:
			Show(fmt.Sprintf("<p>(the widgets stopped after %s: run the cell again to explore more)</p>", limit))
			return nil
		}
		if err := redraw(); err != nil {
			return err
		}
	}
}
