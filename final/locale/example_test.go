package locale_test

import (
	"fmt"
	"testing/fstest"
	"time"

	"github.com/gornado/gornado/final/locale"
)

func Example() {
	// Files as Tornado's load_translations reads them; an embed.FS or
	// os.DirFS("translations") in a program.
	files := fstest.MapFS{"es_LA.csv": {Data: []byte(
		`"Sign out","Cerrar sesión"
"%(name)s liked this","A %(name)s le gustó esto","singular"
"%(name)s liked this","A %(name)s les gustó esto","plural"
"%(commas)s and %(last)s","%(commas)s y %(last)s"
`)}}
	tr, err := locale.Load(files)
	if err != nil {
		panic(err)
	}
	es := tr.Get("es-ES", "es_LA") // es_ES is not supported; es_LA is
	fmt.Println(es.Code(), es.Name())
	fmt.Println(es.Translate("Sign out", "", 0))
	people := []string{"Ana", "Luis", "Eva"}
	msg := es.Translate("%(name)s liked this", "%(name)s liked this", len(people))
	fmt.Println(locale.Interpolate(msg, map[string]any{"name": es.List(people)}))

	en := tr.Get("de") // nothing close: the default locale
	fmt.Println(en.Code(), en.FriendlyNumber(1234567))
	fmt.Println(en.FormatDate(time.Date(2013, 4, 28, 18, 35, 0, 0, time.UTC), 0, true, false, true))
	// Output:
	// es_LA Español
	// Cerrar sesión
	// A Ana, Luis y Eva les gustó esto
	// en_US 1,234,567
	// April 28, 2013 at 6:35 pm
}
