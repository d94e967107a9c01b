package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/views"
)

// linkShow is the interstitial behind a personal link. It creates no
// session and consumes nothing: mail scanners fetch links too.
func (s *Server) linkShow(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	v, err := s.Portal.Resolve(r.Context(), token, clientIP(r))
	if err != nil {
		return s.linkError(w, r, v, err)
	}
	return s.render(w, r, http.StatusOK, page{creditor: v.Creditor, debtorLang: v.Debtor.Language},
		views.LinkPage(views.LinkVM{Action: "/l/" + token}))
}

// linkError explains a link that does not work and how to get a new one,
// without saying whether an unknown token ever existed.
func (s *Server) linkError(w http.ResponseWriter, r *http.Request, v *portal.Visit, err error) error {
	e, ok := ar.AsError(err)
	if !ok {
		return err
	}
	p := page{}
	if v != nil && e.Code == ar.Gone {
		p.creditor = v.Creditor // the link was real: its creditor may show how to get a new one
	}
	vm := views.MessageVM{TitleKey: "page.link.invalid.title", BodyKey: "error.link.invalid", ShowHelp: p.creditor != nil}
	switch e.Code {
	case ar.Gone:
		vm.TitleKey, vm.BodyKey = "page.link.gone.title", e.Key
	case ar.TooMany:
		vm.TitleKey, vm.BodyKey = "page.error.too_many.title", "error.rate_limited"
	case ar.NotFound:
	default:
		return err
	}
	return s.render(w, r, statusOf(e.Code), p, views.MessagePage(vm))
}
