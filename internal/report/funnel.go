package report

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/internal/auth"
)

// CardRow is one bot card a conversation showed.
type CardRow struct {
	ConversationID int64
	Version        int
	CardID         string
	CardType       string
	SeenAt         int64
	AnsweredAt     int64
	LiveState      string
}

// Outcome is what became of a conversation the bot started.
type Outcome struct {
	ConversationID int64
	Version        int
	Lead, Deal     bool
}

// CardFunnel is how visitors went through one card of a playbook version.
type CardFunnel struct {
	CardID   string `json:"card_id"`
	Type     string `json:"type"`
	Seen     int    `json:"seen"`
	Answered int    `json:"answered"`
	// DroppedOff: the card asked (a question, a capture or a consent) and was the visitor's last
	// card, unanswered.
	DroppedOff int `json:"dropped_off"`
	// A live chat card: taken by an agent within the waiting time, or gone offline.
	Taken   int `json:"taken,omitempty"`
	Offline int `json:"offline,omitempty"`
}

// VersionFunnel is one playbook version's funnel.
type VersionFunnel struct {
	Version       int          `json:"version"`
	Conversations int          `json:"conversations"`
	ReachedLive   int          `json:"reached_live_chat"`
	Taken         int          `json:"taken"`
	Offline       int          `json:"offline"`
	Leads         int          `json:"leads"`
	Deals         int          `json:"deals"`
	Cards         []CardFunnel `json:"cards"`
}

// Funnel is a playbook's funnel, newest version first.
type Funnel struct {
	PlaybookID int64           `json:"playbook_id"`
	Versions   []VersionFunnel `json:"versions"`
}

// Funnel reports how visitors went down playbookID's cards (admins: playbooks are theirs).
func (s *Service) Funnel(ctx context.Context, actor *auth.User, playbookID int64) (*Funnel, error) {
	if err := auth.Authorize(actor, auth.ManageSetup); err != nil {
		return nil, err
	}
	cards, outcomes, err := s.repo.FunnelRows(ctx, playbookID)
	if err != nil {
		return nil, err
	}
	return funnelOf(playbookID, cards, outcomes), nil
}

func funnelOf(playbookID int64, cards []CardRow, outcomes []Outcome) *Funnel {
	versions := map[int]*VersionFunnel{}
	version := func(v int) *VersionFunnel {
		if versions[v] == nil {
			versions[v] = &VersionFunnel{Version: v, Cards: []CardFunnel{}}
		}
		return versions[v]
	}
	type convKey struct {
		v  int
		id int64
	}
	last := map[convKey]int64{} // a conversation's latest card time
	for _, c := range cards {
		k := convKey{c.Version, c.ConversationID}
		last[k] = max(last[k], c.SeenAt)
	}
	cardAt := map[int]map[string]int{} // version → card id → index in Cards
	for _, c := range cards {
		vf := version(c.Version)
		if cardAt[c.Version] == nil {
			cardAt[c.Version] = map[string]int{}
		}
		i, ok := cardAt[c.Version][c.CardID]
		if !ok {
			i = len(vf.Cards)
			cardAt[c.Version][c.CardID] = i
			vf.Cards = append(vf.Cards, CardFunnel{CardID: c.CardID, Type: c.CardType})
		}
		cf := &vf.Cards[i]
		cf.Seen++
		if c.AnsweredAt != 0 {
			cf.Answered++
		} else if asks(c.CardType) && c.SeenAt == last[convKey{c.Version, c.ConversationID}] {
			cf.DroppedOff++
		}
		if c.CardType == "live_chat" {
			vf.ReachedLive++
			switch c.LiveState {
			case "joined":
				cf.Taken++
				vf.Taken++
			case "offline":
				cf.Offline++
				vf.Offline++
			}
		}
	}
	for _, o := range outcomes {
		vf := version(o.Version)
		vf.Conversations++
		if o.Lead {
			vf.Leads++
		}
		if o.Deal {
			vf.Deals++
		}
	}
	f := &Funnel{PlaybookID: playbookID, Versions: []VersionFunnel{}}
	for _, vf := range versions {
		slices.SortStableFunc(vf.Cards, func(a, b CardFunnel) int { return b.Seen - a.Seen })
		f.Versions = append(f.Versions, *vf)
	}
	slices.SortFunc(f.Versions, func(a, b VersionFunnel) int { return b.Version - a.Version })
	return f
}

// asks: a card that waits for the visitor's response.
func asks(cardType string) bool {
	return cardType == "question" || cardType == "capture" || cardType == "consent"
}
