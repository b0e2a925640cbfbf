// Package secinfra is what the company's Security and Infra function uses
// to keep integrations honest as usage grows: the key inventory and its
// rotation schedule, the exposed-key runbook (revoke, rotate, confirm
// nothing stale remains), the monthly access review and the map of where
// customer data flowed. It reads the state through the store and changes
// it only through the owner's service and the evidence log, so every
// change it makes is an entry in the trail and part of the state that
// `aos evidence verify` replays. It never holds or prints a secret.
package secinfra
