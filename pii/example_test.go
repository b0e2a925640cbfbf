package pii_test

import (
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/pii"
	"github.com/aos-dev/aos/vault"
)

func Example() {
	v, _ := vault.New(vault.GenerateKey())

	// A response from the CRM: remember its customer data as fingerprints.
	crm := []byte(`{"contacts": [{"id": 42, "email": "ada.lovelace@example.com", "first_name": "Ada", "last_name": "Lovelace"}]}`)
	learnt := pii.Learn(v.MAC, pii.Extract("application/json", crm))
	stored := map[string]aos.Fingerprint{}
	for _, fp := range learnt {
		fp.Connection = "crm"
		stored[string(fp.MAC)] = fp
		fmt.Println("learnt", fp.Category)
	}

	// A message for Slack: look its candidates up among the fingerprints.
	msg := []byte(`{"text": "Hi team, please follow up with Ada.Lovelace@Example.com about the renewal."}`)
	items := pii.Extract("application/json", msg)
	var found []aos.Fingerprint
	for _, mac := range pii.Candidates(v.MAC, items) {
		if fp, ok := stored[string(mac)]; ok {
			found = append(found, fp)
		}
	}
	var facts aos.Facts
	pii.Assess(v.MAC, items, found, "slack").Apply(&facts)
	fmt.Println(facts.CustomerData, facts.CustomerSources, facts.Personal)
	// Output:
	// learnt email
	// learnt name
	// [email] [crm] []
}
