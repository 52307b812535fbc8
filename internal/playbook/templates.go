package playbook

import (
	"github.com/parleyhq/parley/internal/errs"
)

// Template is a conversation a new playbook can start with.
type Template struct {
	Name        string `json:"name"`  // stable: live_chat, lead_qualification, contact_form
	Title       string `json:"title"` // in the requested language, e.g. "Chat with your leads"
	Description string `json:"description"`
	// OfflineOnly templates never hand the visitor to an agent.
	OfflineOnly bool `json:"offline_only"`
	// Flow is the template's flow in the requested language. Its card ids are fixed and readable
	// ("crd_welcome"); each playbook has its own copy.
	Flow *Flow `json:"flow"`
}

// Template names.
const (
	LiveChatTemplate          = "live_chat"
	LeadQualificationTemplate = "lead_qualification"
	ContactFormTemplate       = "contact_form"
)

// Templates returns every template with its texts in lang (English for an unknown language).
func Templates(lang string) []Template {
	t := textsFor(lang)
	return []Template{
		{Name: LiveChatTemplate, Title: t.LiveChatTitle, Description: t.LiveChatAbout, Flow: liveChatFlow(t)},
		{Name: LeadQualificationTemplate, Title: t.QualifyTitle, Description: t.QualifyAbout, Flow: qualificationFlow(t)},
		{Name: ContactFormTemplate, Title: t.ContactTitle, Description: t.ContactAbout, OfflineOnly: true, Flow: contactFlow(t)},
	}
}

// TemplateByName returns one template in lang; NotFound for an unknown name.
func TemplateByName(name, lang string) (*Template, error) {
	for _, tpl := range Templates(lang) {
		if tpl.Name == name {
			return &tpl, nil
		}
	}
	return nil, errs.Coded(errs.NotFound, "template_not_found", "no template %q (there are live_chat, lead_qualification and contact_form)", name)
}

func capture(id string, ft FieldType, markdown string, t *texts) Card {
	return Card{ID: id, Type: CaptureCard, Markdown: markdown, Field: &Field{Type: ft, Key: string(ft), Label: t.FieldLabel[ft],
		Placeholder: t.FieldHolder[ft], Rules: Rules{Required: true, MaxLength: builtinMax[ft]}}}
}

// liveChatFlow is "Chat with your leads": a greeting, a question whose answers start paths, one
// of them ("Talk to someone") leading to the live chat card, whose offline path asks for the
// visitor's email address and makes a lead.
func liveChatFlow(t *texts) *Flow {
	return &Flow{Path: []Card{
		{ID: "crd_welcome", Type: MessageCard, Markdown: t.Greeting},
		{ID: "crd_help", Type: QuestionCard, Markdown: t.HowCanWeHelp, Answers: []Answer{
			{ID: "talk", Label: t.TalkToSomeone, Path: []Card{
				{ID: "crd_live", Type: LiveChatCard, OnlineMarkdown: t.Online, WaitingSeconds: defaultWaiting, OfflineMarkdown: t.Offline,
					OfflinePath: []Card{
						capture("crd_email", EmailField, t.AskEmail, t),
						{ID: "crd_lead", Type: ActionCard, Action: CreateLead, Lead: &Lead{Title: t.ChatLeadTitle}},
						{ID: "crd_thanks", Type: MessageCard, Markdown: t.ThanksLater},
						{ID: "crd_end", Type: EndCard},
					}},
			}},
			{ID: "looking", Label: t.JustLooking, Path: []Card{
				{ID: "crd_looking", Type: MessageCard, Markdown: t.JustLookingReply},
				{ID: "crd_looking_end", Type: EndCard},
			}},
		}},
	}}
}

// qualificationFlow asks what brings the visitor, collects name, email and company from buyers and
// qualifies them by company size.
func qualificationFlow(t *texts) *Flow {
	return &Flow{Path: []Card{
		{ID: "crd_welcome", Type: MessageCard, Markdown: t.Greeting},
		{ID: "crd_reason", Type: QuestionCard, Markdown: t.WhatBrings, Answers: []Answer{
			{ID: "buy", Label: t.WantToBuy, Path: []Card{
				capture("crd_name", NameField, t.AskName, t),
				capture("crd_email", EmailField, t.AskEmail, t),
				capture("crd_company", CompanyField, t.AskCompany, t),
				{ID: "crd_size", Type: QuestionCard, Markdown: t.CompanySize, Answers: []Answer{
					{ID: "small", Label: t.Small, Path: []Card{
						{ID: "crd_disqualify", Type: ActionCard, Action: Disqualify},
						{ID: "crd_small", Type: MessageCard, Markdown: t.SmallReply},
						{ID: "crd_small_end", Type: EndCard},
					}},
					{ID: "large", Label: t.Large, Path: []Card{
						{ID: "crd_qualify", Type: ActionCard, Action: Qualify},
						{ID: "crd_lead", Type: ActionCard, Action: CreateLead, Lead: &Lead{Title: t.QualifiedLeadTitle}},
						{ID: "crd_large", Type: MessageCard, Markdown: t.LargeReply},
						{ID: "crd_large_end", Type: EndCard},
					}},
				}},
			}},
			{ID: "help", Label: t.NeedHelp, Path: []Card{
				{ID: "crd_help", Type: MessageCard, Markdown: t.NeedHelpReply},
				{ID: "crd_help_end", Type: EndCard},
			}},
		}},
	}}
}

// contactFlow is the offline contact form: name, email and a message, which become a lead.
func contactFlow(t *texts) *Flow {
	return &Flow{Path: []Card{
		{ID: "crd_intro", Type: MessageCard, Markdown: t.ContactIntro},
		capture("crd_name", NameField, t.AskName, t),
		capture("crd_email", EmailField, t.AskEmail, t),
		{ID: "crd_message", Type: CaptureCard, Markdown: t.AskMessage, Field: &Field{Type: CustomField, Key: "message",
			Label: t.MessageLabel, Placeholder: t.MessageHolder, Rules: Rules{Required: true, MaxLength: customMax}}},
		{ID: "crd_lead", Type: ActionCard, Action: CreateLead, Lead: &Lead{Title: t.ContactLeadTitle}},
		{ID: "crd_thanks", Type: MessageCard, Markdown: t.Thanks},
		{ID: "crd_end", Type: EndCard},
	}}
}
