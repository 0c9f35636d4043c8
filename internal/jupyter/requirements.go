package jupyter

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// MissingError says that a program the notebooks need is not installed; its
// message is one line with the command that installs it on this platform.
type MissingError struct {
	What    string   // what is missing, e.g. "Jupyter's headless client"
	Debian  []string // the Debian packages that provide it (debian-packages.txt lists them all)
	Pip     []string // the pip packages, for macOS and Windows
	Details string   // what was looked for
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s is missing (%s): install it with: %s", e.What, e.Details, e.InstallCommand())
}

// InstallCommand is the command that installs what is missing, for this platform.
func (e *MissingError) InstallCommand() string {
	if runtime.GOOS == "linux" && len(e.Debian) > 0 {
		return "sudo apt-get install -y " + strings.Join(e.Debian, " ")
	}
	if len(e.Pip) > 0 {
		return "pip install " + strings.Join(e.Pip, " ")
	}
	return "install " + strings.Join(e.Debian, " ")
}

// NeedHeadless checks for Jupyter's headless client, which executes notebooks
// (nbclient, in Debian's /usr/bin/python3 or the first python3 on PATH).
func NeedHeadless() error {
	if exec.Command(python(), "-c", "import nbclient, nbformat, jupyter_client").Run() == nil {
		return nil
	}
	return &MissingError{What: "Jupyter's headless client", Debian: []string{"jupyter-client", "python3-nbclient"},
		Pip: []string{"nbclient", "nbformat", "jupyter_client"}, Details: python() + " cannot import nbclient"}
}

// NeedNbconvert checks for jupyter-nbconvert, which renders the published
// copies as HTML.
func NeedNbconvert() error {
	if _, err := exec.LookPath("jupyter-nbconvert"); err == nil {
		return nil
	}
	return &MissingError{What: "jupyter-nbconvert", Debian: []string{"jupyter-nbconvert"}, Pip: []string{"nbconvert"}, Details: "not on PATH"}
}

// NeedServer checks for the Jupyter Notebook server, which the browser test
// and the screenshots open.
func NeedServer() error {
	if _, err := exec.LookPath("jupyter-notebook"); err == nil {
		return nil
	}
	return &MissingError{What: "the Jupyter Notebook server", Debian: []string{"jupyter-notebook", "python3-notebook"}, Pip: []string{"notebook<7"}, Details: "jupyter-notebook is not on PATH"}
}

// NeedChromium checks for the headless browser the browser test and the
// screenshots drive ($GANBOOK_CHROMIUM, default Debian's /usr/bin/chromium).
func NeedChromium() error {
	if _, err := os.Stat(chromiumPath()); err == nil {
		return nil
	}
	return &MissingError{What: "Chromium", Debian: []string{"chromium"}, Details: chromiumPath() + " not found; GANBOOK_CHROMIUM names another"}
}

// chromiumPath is the browser program: Debian's, overridable for other systems.
func chromiumPath() string {
	if v := os.Getenv("GANBOOK_CHROMIUM"); v != "" {
		return v
	}
	return "/usr/bin/chromium"
}
