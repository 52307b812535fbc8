package search

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
)

// Saved views: a named list of filters (the query string of GET /api/v1/conversations), an
// agent's own or shared with everyone by an admin; the inbox shows them under the folders with
// how many conversations each holds now.

// View is a saved view.
type View struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Filters   string `json:"filters"` // e.g. "status=open&rating=1,2&channel=web"; "folder" picks a folder (default all)
	Shared    bool   `json:"shared"`
	OwnerID   int64  `json:"owner_id,omitempty"`
	Position  int    `json:"position"`
	CreatedBy int64  `json:"created_by,omitempty"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
	// Count is how many conversations the view holds for the user now (when asked for).
	Count *int `json:"count,omitempty"`
}

// ViewRepo is the views' storage (internal/store).
type ViewRepo interface {
	// ListViews returns the shared views and userID's own, by position and name.
	ListViews(ctx context.Context, userID int64) ([]View, error)
	ViewByID(ctx context.Context, id int64) (*View, error)
	CreateView(ctx context.Context, v *View) error
	UpdateView(ctx context.Context, v *View) error
	DeleteView(ctx context.Context, id int64) error
}

// ViewInput is a view as written.
type ViewInput struct {
	Name     *string `json:"name"`
	Filters  *string `json:"filters"`
	Shared   *bool   `json:"shared"`
	Position *int    `json:"position"`
}

// ViewFilter reads a view's filters: its folder and its filter, as the list reads them.
func ViewFilter(filters string, me int64) (conversation.Folder, conversation.Filter, error) {
	q, err := url.ParseQuery(strings.TrimPrefix(filters, "?"))
	if err != nil {
		return "", conversation.Filter{}, errs.Coded(errs.Invalid, "filter_invalid", "filters must be a query string such as status=open&rating=5")
	}
	folder := conversation.Folder(q.Get("folder"))
	if folder == "" {
		folder = conversation.FolderAll
	}
	if !folder.Valid() {
		return "", conversation.Filter{}, errs.Coded(errs.Invalid, "folder_invalid", "folder must be unassigned, mine, others, open, closed, all or spam")
	}
	f, err := conversation.ParseFilter(q, me)
	return folder, f, err
}

func (o *Organizer) mayChange(u *auth.User, v *View) error {
	if v.Shared {
		if !u.Role.IsAdmin() {
			return errs.E(errs.Forbidden, "only admins change shared views")
		}
		return nil
	}
	if v.OwnerID != u.ID {
		return errs.E(errs.NotFound, "view not found")
	}
	return nil
}

func (o *Organizer) apply(u *auth.User, v *View, in ViewInput) error {
	if in.Name != nil {
		name := strings.Join(strings.Fields(*in.Name), " ")
		if name == "" || utf8.RuneCountInString(name) > 60 {
			return errs.Coded(errs.Invalid, "view_name_invalid", "a view's name has 1 to 60 characters")
		}
		v.Name = name
	}
	if in.Filters != nil {
		if _, _, err := ViewFilter(*in.Filters, u.ID); err != nil {
			return err
		}
		v.Filters = strings.TrimPrefix(*in.Filters, "?")
	}
	if in.Shared != nil {
		if *in.Shared && !u.Role.IsAdmin() {
			return errs.E(errs.Forbidden, "only admins share views")
		}
		v.Shared = *in.Shared
		v.OwnerID = 0
		if !v.Shared {
			v.OwnerID = u.ID
		}
	}
	if in.Position != nil {
		v.Position = *in.Position
	}
	if v.Name == "" {
		return errs.Coded(errs.Invalid, "view_name_invalid", "a view's name has 1 to 60 characters")
	}
	return nil
}

// Views lists the user's views and the shared ones; with counts, each says how many
// conversations it holds for the user now.
func (o *Organizer) Views(ctx context.Context, u *auth.User, counts bool) ([]View, error) {
	views, err := o.views.ListViews(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !counts {
		return views, nil
	}
	for i := range views {
		folder, f, err := ViewFilter(views[i].Filters, u.ID)
		if err != nil {
			continue // a view whose filter no longer reads (a deleted team, say) shows no count
		}
		n, err := o.convs.CountFiltered(ctx, u, folder, f)
		if err != nil {
			if errs.KindOf(err) == errs.Invalid {
				continue
			}
			return nil, err
		}
		views[i].Count = &n
	}
	return views, nil
}

// CreateView saves a view: the user's own, or shared (admins).
func (o *Organizer) CreateView(ctx context.Context, u *auth.User, in ViewInput) (*View, error) {
	v := &View{OwnerID: u.ID, CreatedBy: u.ID}
	if in.Filters == nil {
		empty := ""
		in.Filters = &empty
	}
	if err := o.apply(u, v, in); err != nil {
		return nil, err
	}
	v.CreatedAt = o.now().UnixMilli()
	v.UpdatedAt = v.CreatedAt
	if err := o.views.CreateView(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// UpdateView changes a view: one's own, or a shared one (admins).
func (o *Organizer) UpdateView(ctx context.Context, u *auth.User, id int64, in ViewInput) (*View, error) {
	v, err := o.views.ViewByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := o.mayChange(u, v); err != nil {
		return nil, err
	}
	if err := o.apply(u, v, in); err != nil {
		return nil, err
	}
	v.UpdatedAt = o.now().UnixMilli()
	if err := o.views.UpdateView(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// DeleteView deletes a view: one's own, or a shared one (admins).
func (o *Organizer) DeleteView(ctx context.Context, u *auth.User, id int64) error {
	v, err := o.views.ViewByID(ctx, id)
	if err != nil {
		return err
	}
	if err := o.mayChange(u, v); err != nil {
		return err
	}
	return o.views.DeleteView(ctx, id)
}
