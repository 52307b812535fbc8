// Package geo maps a visitor's IP address to a country (and, with an
// operator-supplied city database, a city).
//
// By default it uses the DB-IP "IP to Country Lite" database that is embedded
// in the binary (gzip-compressed, decompressed lazily on the first lookup).
// That data is licensed CC BY 4.0: wherever a location is shown, show
// [Locator.Attribution] linked to [Locator.AttributionURL].
package geo

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Location is where an IP address is, as far as the database knows.
// The zero value means unknown.
type Location struct {
	// CountryCode is the ISO 3166-1 alpha-2 code, e.g. "US".
	CountryCode string
	// Country is the English country name, e.g. "United States"; from the
	// database when it has one, otherwise from the built-in table.
	Country string
	// City is the English city name; only set with a city database.
	City string
}

// record layouts
const (
	layoutFlat   = iota // {"country_code": "US", "city": "..."} (ip-location-db)
	layoutGeoIP2        // {"country": {"iso_code", "names"}, "city": {"names"}} (MaxMind, DB-IP)
)

// Locator looks up locations. Create one with [Open] and share it: it is safe
// for concurrent use by multiple goroutines.
type Locator struct {
	path string // "" = the embedded country database
	// cacheDirs are where the embedded database may be kept decompressed, to be mapped from
	// there (OpenEmbedded); the first that works is used, and with none it is held in memory.
	cacheDirs []string

	once   sync.Once
	db     *maxminddb.Reader
	err    error
	layout int
	mapped bool  // the embedded database, mapped from a copy in one of cacheDirs
	mapErr error // why no directory of cacheDirs could hold it (it is in memory then)

	attribution    string
	attributionURL string
}

// Open returns a Locator.
//
// With an empty cityDBPath it uses the embedded DB-IP country database; Open
// is then cheap: the database is decompressed and parsed on the first
// [Locator.Lookup] (or [Locator.Load]).
//
// Otherwise cityDBPath names an operator-supplied MaxMind DB file, read at
// once: a MaxMind GeoIP2/GeoLite2 City or Country database, a DB-IP
// city/country database in the same format, or an ip-location-db style
// database (flat "country_code"/"city" records). English names are used.
func Open(cityDBPath string) (*Locator, error) {
	if cityDBPath == "" {
		return &Locator{
			attribution:    "IP geolocation by DB-IP",
			attributionURL: "https://db-ip.com",
		}, nil
	}
	l := &Locator{path: cityDBPath}
	l.once.Do(func() {}) // loaded here, not lazily
	db, err := maxminddb.Open(cityDBPath)
	if err != nil {
		return nil, fmt.Errorf("geo: open city database %q: %w", cityDBPath, err)
	}
	layout, err := detectLayout(db)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("geo: city database %q: %w", cityDBPath, err)
	}
	l.db, l.layout = db, layout
	l.attribution, l.attributionURL = attributionFor(db.Metadata)
	return l, nil
}

// OpenEmbedded returns a Locator of the embedded country database that, on first use, maps a
// decompressed copy of it kept in the first of cacheDirs that can hold one (written there once,
// checked against its SHA-256 on every start) rather than holding it in the heap. With no usable
// directory it decompresses into memory as [Open] does.
func OpenEmbedded(cacheDirs ...string) *Locator {
	return &Locator{cacheDirs: cacheDirs, attribution: "IP geolocation by DB-IP", attributionURL: "https://db-ip.com"}
}

// Mapped reports whether the loaded database is mapped from a file (an operator's, or the
// embedded one's copy) rather than held in the heap.
func (l *Locator) Mapped() bool {
	l.once.Do(l.loadEmbedded)
	return l.db != nil && (l.path != "" || l.mapped)
}

// Load makes sure the database is loaded and reports whether it could be. It
// is optional: Lookup loads on first use. Call it, e.g. in a background
// goroutine after start-up, to take the one-off cost (tens of milliseconds
// for the embedded database) off the first visitor's request.
func (l *Locator) Load() error {
	l.once.Do(l.loadEmbedded)
	return l.err
}

func (l *Locator) loadEmbedded() {
	for _, dir := range l.cacheDirs {
		if dir == "" {
			continue
		}
		db, err := mapEmbedded(dir)
		if err == nil {
			l.db, l.layout, l.mapped = db, layoutFlat, true
			return
		}
		l.mapErr = errors.Join(l.mapErr, err)
	}
	buf, err := embeddedCountryDB()
	if err != nil {
		l.err = err
		return
	}
	db, err := maxminddb.OpenBytes(buf)
	if err != nil {
		l.err = fmt.Errorf("geo: embedded country database: %w", err)
		return
	}
	l.db, l.layout = db, layoutFlat
}

// MapError says why the embedded database could not be mapped from any of the directories given
// to [OpenEmbedded] (nil when it was, or none were given).
func (l *Locator) MapError() error {
	l.once.Do(l.loadEmbedded)
	return l.mapErr
}

// Lookup returns the location of ip. Private, loopback, link-local,
// multicast and unspecified addresses, addresses not in the database and
// invalid addresses give the zero Location; so does a lookup after the
// embedded database failed to load (see [Locator.Load]).
func (l *Locator) Lookup(ip netip.Addr) Location {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() || ip.IsPrivate() || ip.IsLoopback() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() {
		return Location{}
	}
	l.once.Do(l.loadEmbedded)
	if l.db == nil {
		return Location{}
	}
	res := l.db.Lookup(ip)
	if !res.Found() {
		return Location{}
	}
	var loc Location
	switch l.layout {
	case layoutFlat:
		var rec flatRecord
		if res.Decode(&rec) != nil {
			return Location{}
		}
		loc.CountryCode, loc.City = rec.CountryCode, rec.City
	case layoutGeoIP2:
		var rec geoIP2Record
		if res.Decode(&rec) != nil {
			return Location{}
		}
		c := rec.Country
		if c.ISOCode == "" {
			c = rec.RegisteredCountry
		}
		loc.CountryCode, loc.Country, loc.City = c.ISOCode, c.Names.EN, rec.City.Names.EN
	}
	loc.CountryCode = strings.ToUpper(loc.CountryCode)
	if loc.Country == "" {
		loc.Country = CountryName(loc.CountryCode)
	}
	return loc
}

// Attribution returns the credit line to show next to a location, e.g.
// "IP geolocation by DB-IP" for the embedded database, or "" when the
// database in use needs none that Parley knows of.
func (l *Locator) Attribution() string { return l.attribution }

// AttributionURL returns the address the [Locator.Attribution] line should
// link to ("https://db-ip.com" for the embedded database), or "".
func (l *Locator) AttributionURL() string { return l.attributionURL }

// Close releases an operator database file. It must not be called
// concurrently with, or followed by, Lookup.
func (l *Locator) Close() error {
	l.once.Do(func() {}) // a Lookup after Close must not load the embedded DB
	if l.db == nil {
		return nil
	}
	return l.db.Close()
}

// flatRecord is the ip-location-db layout (also the embedded database's).
type flatRecord struct {
	CountryCode string `maxminddb:"country_code"`
	City        string `maxminddb:"city"`
}

type names struct {
	EN string `maxminddb:"en"`
}

type geoIP2Country struct {
	ISOCode string `maxminddb:"iso_code"`
	Names   names  `maxminddb:"names"`
}

// geoIP2Record is the MaxMind GeoIP2/GeoLite2 layout, also used by DB-IP's
// own mmdb downloads.
type geoIP2Record struct {
	Country           geoIP2Country `maxminddb:"country"`
	RegisteredCountry geoIP2Country `maxminddb:"registered_country"`
	City              struct {
		Names names `maxminddb:"names"`
	} `maxminddb:"city"`
}

// detectLayout looks at the first record of db to tell the flat layout
// from the GeoIP2 one: the two disagree on what "city" holds.
func detectLayout(db *maxminddb.Reader) (int, error) {
	for res := range db.Networks() {
		var rec map[string]any
		if err := res.Decode(&rec); err != nil {
			return 0, err
		}
		if _, ok := rec["country_code"]; ok {
			return layoutFlat, nil
		}
		if _, ok := rec["city"].(string); ok {
			return layoutFlat, nil
		}
		return layoutGeoIP2, nil
	}
	return layoutGeoIP2, nil // empty database: nothing will be found anyway
}

// attributionFor returns the credit line a database's licence asks for, as
// far as its metadata tells.
func attributionFor(md maxminddb.Metadata) (text, url string) {
	s := strings.ToLower(md.DatabaseType)
	for _, d := range md.Description {
		s += " " + strings.ToLower(d)
	}
	switch {
	case strings.Contains(s, "dbip") || strings.Contains(s, "db-ip"):
		return "IP geolocation by DB-IP", "https://db-ip.com"
	case strings.Contains(s, "geolite"):
		return "IP geolocation by MaxMind GeoLite2", "https://www.maxmind.com"
	}
	return "", ""
}
