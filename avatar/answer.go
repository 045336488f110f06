package avatar

import "time"

// How a viewer's question that no FAQ entry matched was answered: the
// script's fallback line, sentences a language model wrote that passed the
// guard, or nothing the model wrote passed (the fallback was spoken).
// Wire values: add, never rename.
const (
	AnsweredFallback = "fallback"
	AnsweredModel    = "model"
	AnsweredRefused  = "refused"
)

// Where a reply's words come from (Reply.Source). Wire values: add,
// never rename.
const (
	ReplySourceFAQ      = "faq"      // the matched FAQ entry's answer
	ReplySourceFallback = "fallback" // the script's fallback line
	ReplySourceModel    = "model"    // a language model, checked by the guard
)

// Guard reason codes: why the guard refused a sentence a model wrote.
// absolute-claim, medical-claim, price-claim and discount-claim are the
// script checker's codes for the same findings in a script line. Wire
// values: add, never rename.
const (
	GuardAbsoluteClaim  = "absolute-claim"    // an advertising-law absolute term (最好, best ever)
	GuardMedicalClaim   = "medical-claim"     // a health or cure claim
	GuardHomophoneClaim = "homophone-claim"   // an absolute term written with homophones (醉好 for 最好)
	GuardPriceClaim     = "price-claim"       // an amount no live price, sale or coupon bears out
	GuardDiscountClaim  = "discount-claim"    // a discount no live price bears out
	GuardBlockedWord    = "blocked-word"      // a word of the moderation blocklist
	GuardBlockedSound   = "blocked-homophone" // a blocked Chinese word written with other characters of the same sound, spaced out or in pinyin
	GuardTooLong        = "too-long"          // more than one breath or one sentence may hold
	GuardURL            = "url"               // a web address, also spaced out or spelt "dot com"
	GuardContact        = "contact"           // a phone number, e-mail, WeChat/QQ id or an invitation to contact off the platform
	GuardUnknownProduct = "unknown-product"   // names a product that is not in the room's catalog
	GuardBadText        = "bad-text"          // not valid UTF-8, or control characters
)

// A GuardReason is one thing the guard found wrong in a sentence: a stable
// code (the Guard* constants) and a message for the merchant.
type GuardReason struct {
	Code   string `json:"code"`
	Msg    string `json:"msg"`
	Phrase string `json:"phrase,omitempty"` // the words found, when there are some
}

// RefusedSentence is a sentence a model wrote that was not spoken, and why.
type RefusedSentence struct {
	Text    string        `json:"text"`
	Reasons []GuardReason `json:"reasons"`
}

// Question is the record of a viewer's question that no FAQ entry matched:
// the console's "questions nothing answered". It holds no viewer id, only
// what was asked and how it was answered.
type Question struct {
	Room     RoomID    `json:"room"`
	Merchant string    `json:"merchant"`
	Lang     string    `json:"lang"`
	Text     string    `json:"text"`
	Asked    time.Time `json:"asked"`
	Answered string    `json:"answered"` // AnsweredFallback, AnsweredModel or AnsweredRefused
	// Spoken is what the presenter said: the passed sentences of the model,
	// or the fallback line.
	Spoken  []string          `json:"spoken,omitempty"`
	Refused []RefusedSentence `json:"refused,omitempty"`
	Model   string            `json:"model,omitempty"`
	// Version is the script version the answer was built from.
	Version uint64 `json:"version,omitempty"`
	// Catalog is the catalog as it stood when the question came (live
	// prices and stock, at most MaxQuestionCatalog products) and Sale the
	// flash sale running then: what the prompt and the guard went by.
	Catalog []CatalogEntry `json:"catalog,omitempty"`
	Sale    *Sale          `json:"sale,omitempty"`
	// Error says why the model gave nothing (timeout, over budget, failed).
	Error string `json:"error,omitempty"`
}

// CatalogEntry is one product of a Question's catalog snapshot.
type CatalogEntry struct {
	SKU   string `json:"sku"`
	Price string `json:"price"` // live price, a decimal as in Product.Price
	Stock int    `json:"stock"`
}

// MaxQuestionCatalog bounds a Question's catalog snapshot.
const MaxQuestionCatalog = 200
