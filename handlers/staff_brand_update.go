package handlers

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/settings"
	"github.com/settle/settle/views"
)

// maxBrandBody caps the brand form with its logo: room for a logo well
// over settings.MaxLogoBytes, so that a too large logo is a field error
// with every other value kept.
const maxBrandBody = 4 * settings.MaxLogoBytes

// staffBrandUpdate saves the brand form (with a new logo, or removing
// it), or with "preview" only shows the form's colours without saving.
// Invalid input comes back with every value kept and the field errors
// (422).
func (s *Server) staffBrandUpdate(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	f, err := parseBrandForm(w, r)
	if err != nil {
		return err
	}
	preview := r.PostFormValue("preview") != ""
	var changed bool
	if preview {
		f.Logo = nil // a preview saves nothing
		f.Normalize()
		_, err = f.Validate()
	} else {
		changed, err = s.settings.UpdateBrand(r.Context(), sc.admin(), f)
	}
	fields, invalid := formErrors(err)
	if err != nil && !invalid {
		return err
	}
	if err == nil && !preview {
		notice := "saved"
		if !changed {
			notice = "unchanged"
		}
		return redirect(w, r, "/staff/settings/brand?notice="+notice)
	}
	b, err := s.Store.CreditorBrand(r.Context(), sc.creditorID())
	if err != nil {
		return err
	}
	f.Normalize()
	vm := views.StaffBrandVM{
		Form: views.BrandFormVM{Name: f.Name, LegalName: f.LegalName, Address: f.Address,
			SupportPhone: f.SupportPhone, SupportEmail: f.SupportEmail, SupportHours: f.SupportHours,
			LegalFooter: f.LegalFooter, PrimaryColor: f.PrimaryColor, AccentColor: f.AccentColor,
			DefaultLanguage: f.DefaultLanguage, RemoveLogo: f.RemoveLogo},
		LogoURL: sc.logoURL(b), LogoType: b.LogoType, LogoSize: b.LogoSize, Errors: fields, Preview: preview,
		Languages: i18n.Languages}
	status := http.StatusOK
	if invalid {
		status = http.StatusUnprocessableEntity
	}
	return s.renderStaff(w, r, status, sc, views.StaffBrandPage(vm))
}

// parseBrandForm reads the brand form: multipart with the logo file, or
// (without a file input, as in tests of the role matrix) urlencoded.
func parseBrandForm(w http.ResponseWriter, r *http.Request) (settings.BrandForm, error) {
	var f settings.BrandForm
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxBrandBody)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return f, ar.Errorf(ar.Invalid, "error.staff.settings.logo_size")
			}
			return f, ar.Errorf(ar.Invalid, "error.form")
		}
		defer r.MultipartForm.RemoveAll()
	} else if err := parseForm(w, r); err != nil {
		return f, ar.Errorf(ar.Invalid, "error.form")
	}
	f = settings.BrandForm{Name: r.PostFormValue("name"), LegalName: r.PostFormValue("legal_name"),
		Address: r.PostFormValue("address"), SupportPhone: r.PostFormValue("support_phone"),
		SupportEmail: r.PostFormValue("support_email"), SupportHours: r.PostFormValue("support_hours"),
		LegalFooter: r.PostFormValue("legal_footer"), PrimaryColor: r.PostFormValue("primary_color"),
		AccentColor: r.PostFormValue("accent_color"), DefaultLanguage: r.PostFormValue("default_language"),
		RemoveLogo: r.PostFormValue("remove_logo") != ""}
	if r.MultipartForm == nil {
		return f, nil
	}
	file, hdr, err := r.FormFile("logo")
	if errors.Is(err, http.ErrMissingFile) {
		return f, nil
	} else if err != nil {
		return f, ar.Errorf(ar.Invalid, "error.form")
	}
	defer file.Close()
	if hdr.Filename == "" && hdr.Size == 0 {
		return f, nil // no file chosen
	}
	// One byte more than allowed tells a too large logo (CheckLogo).
	f.Logo, err = io.ReadAll(io.LimitReader(file, settings.MaxLogoBytes+1))
	if err != nil {
		return f, ar.Errorf(ar.Invalid, "error.form")
	}
	if f.Logo == nil {
		f.Logo = []byte{} // an empty file is a wrong file, not no file
	}
	return f, nil
}
