package guard_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// teaShow is a small livestream: two products, a coupon, an exhibit-free
// catalog, as the parser would give it.
func teaShow() *script.Show {
	return &script.Show{
		ID: "tea", Kind: script.KindLivestream, Languages: []string{"zh-CN", "en"},
		Title: script.Text{"zh-CN": "春茶专场", "en": "Spring tea sale"},
		Catalog: []script.Product{
			{SKU: "tea-1", Title: script.Text{"zh-CN": "明前龙井", "en": "Longjing green tea"}, Price: 9900, ListPrice: 19900, Currency: "CNY", Stock: 50},
			{SKU: "cup-2", Title: script.Text{"zh-CN": "玻璃杯", "en": "Glass cup"}, Price: 2900, ListPrice: 2900, Currency: "CNY", Stock: 200},
		},
		Coupons: []script.Coupon{{ID: "c10", Discount: 1000, MinSpend: 9900, Count: 100}},
	}
}

func newGuard() *guard.Guard {
	return guard.New(guard.Config{Blocked: []string{"傻逼", "操你妈", "scam", "垃圾"}})
}

func codes(rs []avatar.GuardReason) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.Code) {
			out = append(out, r.Code)
		}
	}
	slices.Sort(out)
	return out
}

func TestCheck(t *testing.T) {
	g := newGuard()
	live := guard.Live{Others: []string{"碧螺春", "Oolong gift box"}}
	zh := guard.NewFacts(teaShow(), live, "zh-CN", "小美")
	en := guard.NewFacts(teaShow(), live, "en", "Mei")
	long := strings.Repeat("好", 61)
	for _, tc := range []struct {
		name string
		f    *guard.Facts
		in   string
		want []string // codes, sorted; nil = may be spoken
	}{
		// Good answers.
		{"zh plain", zh, "这款明前龙井汤色清亮，回甘明显。", nil},
		{"zh live price", zh, "明前龙井现在只要99元。", nil},
		{"zh coupon", zh, "满99减10的券可以叠加使用。", nil},
		{"zh ordinal 第一次", zh, "第一次泡的时候先洗一下茶。", nil},
		{"zh date is no phone", zh, "活动到2026-12-04结束。", nil},
		{"zh decimal weight", zh, "每次放3.5克就够了。", nil},
		{"zh sku of catalog", zh, "链接里选tea-1就是这款。", nil},
		{"zh title of catalog", zh, "《明前龙井》今天有货。", nil},
		{"en plain", en, "Longjing green tea is 99 yuan today, with free shipping.", nil},
		{"en best enjoyed", en, "It is best enjoyed at 80 degrees.", nil},
		{"en ordinary sentence", en, "Mr. Wang picked these leaves in March.", nil},
		{"zh homophone-free 醉人", zh, "香气醉人。", nil},
		{"zh 一点点", zh, "再加一点点水。", nil},
		{"zh 土地一直 is no 第一", zh, "这里的土地一直很肥沃。", nil},
		{"zh 手选 is no 首选", zh, "都是人工手选的茶叶。", nil},
		{"zh 感觉对 is no 绝对", zh, "这款茶感觉对胃很温和。", nil},
		{"zh 今晚能", zh, "今晚能发货吗？", nil},

		// Advertising law.
		{"zh absolute", zh, "这是全网最好的龙井。", []string{avatar.GuardAbsoluteClaim}},
		{"zh medical", zh, "喝了能治疗高血压。", []string{avatar.GuardMedicalClaim}},
		{"en absolute", en, "This is the best tea in the world.", []string{avatar.GuardAbsoluteClaim}},
		{"zh homophone 醉好", zh, "这款茶是醉好的。", []string{avatar.GuardHomophoneClaim}},
		{"zh homophone 顶及", zh, "这是顶及好茶。", []string{avatar.GuardHomophoneClaim}},
		{"zh homophone 弟一", zh, "销量弟一的茶。", []string{avatar.GuardHomophoneClaim}},

		// Prices against the live catalog.
		{"zh wrong price", zh, "明前龙井只要59元。", []string{avatar.GuardPriceClaim}},
		{"zh wrong price in numerals", zh, "明前龙井只要五十九元。", []string{avatar.GuardPriceClaim}},
		{"zh wrong price full-width", zh, "明前龙井只要５９元。", []string{avatar.GuardPriceClaim}},
		{"zh wrong discount", zh, "现在打三折。", []string{avatar.GuardDiscountClaim}},
		{"zh another product's saving", zh, "玻璃杯只要100元。", []string{avatar.GuardPriceClaim}},
		{"en another product's saving", en, "The glass cup is only 100 yuan.", []string{avatar.GuardPriceClaim}},
		{"zh two products", zh, "明前龙井99元，玻璃杯29元。", nil},
		{"zh the saving of the product named", zh, "明前龙井直降100元。", nil},
		{"en wrong price", en, "The glass cup costs only 9 yuan.", []string{avatar.GuardPriceClaim}},

		// Blocklist and its sound.
		{"zh blocked", zh, "你是傻逼吗？", []string{avatar.GuardBlockedWord}},
		{"zh blocked zero-width", zh, "你是傻\u200b逼吗？", []string{avatar.GuardBlockedWord}},
		{"zh blocked full-width pinyin", zh, "你是ｓｈａ　ｂｉ吗？", []string{avatar.GuardBlockedSound}},
		{"zh blocked homophone", zh, "你是沙比吗？", []string{avatar.GuardBlockedSound}},
		// Up to three spaces or symbols between its characters hide no
		// word from the blocklist itself; more, from the sound pass.
		{"zh blocked spaced", zh, "你是傻 * 逼吗？", []string{avatar.GuardBlockedWord}},
		{"zh blocked spaced wide", zh, "你是傻 ** * 逼吗？", []string{avatar.GuardBlockedSound}},
		{"zh blocked in pinyin", zh, "你是sha bi吗？", []string{avatar.GuardBlockedSound}},
		{"zh blocked half pinyin", zh, "你是傻bi吗？", []string{avatar.GuardBlockedSound}},
		{"zh blocked 拉圾", zh, "别买那些拉圾。", []string{avatar.GuardBlockedSound}},
		{"en blocked spaced", en, "This is no s c a m.", []string{avatar.GuardBlockedSound}},
		{"en blocked", en, "This is no SCAM.", []string{avatar.GuardBlockedWord}},

		// Addresses and contacts.
		{"url", en, "See www.example.com for more.", []string{avatar.GuardURL}},
		{"url scheme", en, "Go to https://tea.example/x now.", []string{avatar.GuardURL}},
		{"url spaced", en, "Visit teashop . com today.", []string{avatar.GuardURL}},
		{"url dot word", en, "Visit teashop dot com today.", []string{avatar.GuardURL}},
		{"url letters spaced", en, "Visit t e a s h o p . c n today.", []string{avatar.GuardURL}},
		{"url 点", zh, "去teashop点com看看。", []string{avatar.GuardURL}},
		{"url full-width", zh, "去ｔｅａｓｈｏｐ．ｃｏｍ看看。", []string{avatar.GuardURL}},
		{"wechat", zh, "加微信tea888领券。", []string{avatar.GuardContact}},
		{"wechat homophone", zh, "加威信领券。", []string{avatar.GuardContact}},
		{"qq", zh, "加QQ群问客服。", []string{avatar.GuardContact}},
		{"phone", zh, "电话13800138000。", []string{avatar.GuardContact}},
		{"phone spaced full-width", zh, "打１３８ ００１３ ８０００问。", []string{avatar.GuardContact}},
		{"phone in numerals", zh, "号码幺三八零零幺三八零零零。", []string{avatar.GuardContact}},
		{"email", en, "Write to shop@example.com please.", []string{avatar.GuardContact, avatar.GuardURL}},
		{"email spaced", en, "Write to shop (at) teamail . com please.", []string{avatar.GuardContact, avatar.GuardURL}},
		{"en whatsapp", en, "Message us on WhatsApp.", []string{avatar.GuardContact}},

		// Products not in the catalog.
		{"other product", zh, "碧螺春也很好喝。", []string{avatar.GuardUnknownProduct}},
		{"other product en", en, "Try our Oolong Gift Box too.", []string{avatar.GuardUnknownProduct}},
		{"model number", zh, "我们还有XR500保温杯。", []string{avatar.GuardUnknownProduct}},
		{"sku-like code", en, "Order AB-1234 instead.", []string{avatar.GuardUnknownProduct}},
		{"title marks", zh, "推荐《大红袍礼盒》。", []string{avatar.GuardUnknownProduct}},

		// Length and bad text.
		{"too long zh", zh, long + "。", []string{avatar.GuardTooLong}},
		{"too long bytes", zh, strings.Repeat("好，", 200), []string{avatar.GuardTooLong}},
		{"bad utf8", zh, "好\xff", []string{avatar.GuardBadText}},
		{"control", zh, "好\x07的", []string{avatar.GuardBadText}},

		// Several at once.
		{"many", zh, "全网最好的龙井只要9元，加微信买。", []string{avatar.GuardAbsoluteClaim, avatar.GuardContact, avatar.GuardPriceClaim}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := g.Check(tc.in, tc.f)
			if !slices.Equal(codes(got), tc.want) {
				t.Errorf("Check(%q) = %v, want codes %v", tc.in, got, tc.want)
			}
			for _, r := range got {
				if r.Msg == "" {
					t.Errorf("Check(%q): reason %s has no message", tc.in, r.Code)
				}
			}
		})
	}
}

// TestCheckLivePrice: a price the merchant changed live is the one a
// sentence must state; the catalog's is then false.
func TestCheckLivePrice(t *testing.T) {
	g := newGuard()
	show := teaShow()
	show.Coupons = nil // its threshold of 99 would make 99 true
	f := guard.NewFacts(show, guard.Live{Prices: map[string]script.Money{"tea-1": 7900}}, "zh-CN", "")
	if got := g.Check("明前龙井只要79元。", f); got != nil {
		t.Errorf("live price 79: %v, want nothing", got)
	}
	if got := codes(g.Check("明前龙井只要99元。", f)); !slices.Equal(got, []string{avatar.GuardPriceClaim}) {
		t.Errorf("old price 99 after a live change to 79: %v, want price-claim", got)
	}
	sale := guard.NewFacts(teaShow(), guard.Live{Sales: []script.Sale{{ID: "flash", SKU: "tea-1", Price: 6900}}}, "zh-CN", "")
	if got := g.Check("秒杀价69元。", sale); got != nil {
		t.Errorf("running sale at 69: %v, want nothing", got)
	}
}

// TestCheckNilFacts: without facts nothing panics and product-like names
// are still refused.
func TestCheckNilFacts(t *testing.T) {
	g := guard.New(guard.Config{})
	if got := g.Check("你好。", nil); got != nil {
		t.Errorf("Check(nil facts) = %v", got)
	}
	if got := codes(g.Check("买XR500吧。", &guard.Facts{Lang: "zh"})); !slices.Equal(got, []string{avatar.GuardUnknownProduct}) {
		t.Errorf("hand-built facts: %v", got)
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"这是全网最好的龙井。", "醉好", "sha bi", "www . x . com", "１３８ ００１３ ８０００", "《x》", "\xff", "明前龙井只要五十九元。", "e x . c o m", "加微信"} {
		f.Add(s)
	}
	g := newGuard()
	facts := guard.NewFacts(teaShow(), guard.Live{Others: []string{"碧螺春"}}, "zh-CN", "小美")
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range g.Check(s, facts) {
			if r.Code == "" || r.Msg == "" {
				t.Fatalf("Check(%q): reason without code or message: %+v", s, r)
			}
		}
	})
}
