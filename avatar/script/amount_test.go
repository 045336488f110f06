package script

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestFindAmountsForms reads every way of saying an amount the checker
// knows, and the look-alikes that are no amount.
func TestFindAmountsForms(t *testing.T) {
	tests := []struct {
		form string
		text string
		want string // "span=value|…"
	}{
		// Digits with a unit, sign or price word.
		{"digits", "只要99元", "99=99.00"},
		{"digits", "九十九块包邮，99块钱", "九十九块=99.00|99=99.00"},
		{"digits", "RMB 99, CNY 129", "99=99.00|129=129.00"},
		{"digits", "¥1,299 today", "1,299=1299.00"},
		{"digits", "1,000 yuan", "1,000=1000.00"},
		{"digits", "满199减30", "199=199.00|30=30.00"},
		{"digits", "19块9", "19块9=19.90"},
		// Chinese numerals.
		{"zh", "原价一百九十九，现价九十九", "一百九十九=199.00|九十九=99.00"},
		{"zh", "两百元", "两百元=200.00"},
		{"zh", "只要一千二", "一千二=1200.00"},
		{"zh", "到手价两万五！", "两万五=25000.00"},
		{"zh", "一百零五元", "一百零五元=105.00"},
		{"zh", "十五块", "十五块=15.00"},
		{"zh", "九块九", "九块九=9.90"},
		{"zh", "十九块九毛九", "十九块九毛九=19.99"},
		{"zh", "九元九角", "九元九角=9.90"},
		{"zh", "五毛钱", "五毛钱=0.50"},
		{"zh", "仅售一九九", "一九九=199.00"},
		{"zh", "秒杀价十九点九元", "十九点九元=19.90"},
		{"zh", "二十块钱两盒", "二十块钱=20.00"},
		{"zh", "¥九十九", "九十九=99.00"},
		{"zh", "满一百九十九减三十", "一百九十九=199.00|三十=30.00"},
		// Chinese look-alikes: words, counts, times, ordinals.
		{"zh-no", "大家一起来，一定要买", ""},
		{"zh-no", "只要两个", ""},
		{"zh-no", "只要三件，两盒就够", ""},
		{"zh-no", "十分好喝，万一不喜欢", ""},
		{"zh-no", "三折叠伞", ""},
		{"zh-no", "送你一块蛋糕，两块饼干", ""},
		{"zh-no", "一块儿喝", ""},
		{"zh-no", "只要十分钟", ""},
		{"zh-no", "正月十五元宵节", ""},
		{"zh-no", "价第一", ""},
		{"zh-no", "才一到货就卖光", ""},
		{"zh-no", "百分之百纯棉", ""},
		// English words.
		{"en", "only ninety-nine", "ninety-nine=99.00"},
		{"en", "ninety-nine yuan", "ninety-nine=99.00"},
		{"en", "just nine ninety-nine", "nine ninety-nine=9.99"},
		{"en", "nineteen ninety-nine dollars", "nineteen ninety-nine=19.99"},
		{"en", "one hundred and twenty-nine yuan", "one hundred and twenty-nine=129.00"},
		{"en", "two thousand five hundred RMB", "two thousand five hundred=2500.00"},
		{"en", "nine dollars ninety-nine", "nine dollars ninety-nine=9.99"},
		{"en", "It costs twenty bucks", "twenty=20.00"},
		{"en", "The price is 99", "99=99.00"},
		// English look-alikes.
		{"en-no", "only one left", ""},
		{"en-no", "only two!", ""},
		{"en-no", "just one more thing", ""},
		{"en-no", "the only one", ""},
		{"en-no", "ninety-nine problems", ""},
		// French.
		{"fr", "99 €", "99=99.00"},
		{"fr", "seulement 99€", "99=99.00"},
		{"fr", "19,90 €", "19,90=19.90"},
		{"fr", "19€90", "19€90=19.90"},
		{"fr", "1 299 €", "1 299=1299.00"},
		{"fr", "€12.50", "12.50=12.50"},
		{"fr", "quatre-vingt-dix-neuf euros", "quatre-vingt-dix-neuf=99.00"},
		{"fr", "soixante-dix euros", "soixante-dix=70.00"},
		{"fr", "neuf euros quatre-vingt-dix", "neuf euros quatre-vingt-dix=9.90"},
		{"fr", "prix : cent vingt-neuf euros", "cent vingt-neuf=129.00"},
		{"fr", "vingt-et-un euros", "vingt-et-un=21.00"},
		// French look-alikes.
		{"fr-no", "il en reste seulement deux.", ""},
		{"fr-no", "un produit, deux couleurs", ""},
		{"fr-no", "1,5 kg", ""},
		{"fr-no", "seulement 3 exemplaires", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range findAmounts(tt.text) {
			got = append(got, fmt.Sprintf("%s=%s", tt.text[a.start:a.end], a.value))
		}
		if g := strings.Join(got, "|"); g != tt.want {
			t.Errorf("%s: findAmounts(%q) = %q, want %q", tt.form, tt.text, g, tt.want)
		}
	}
}

// TestHugeAmounts: however many digits, groups or number words a line
// holds, an amount stays positive (no overflow into a negative price).
func TestHugeAmounts(t *testing.T) {
	for _, text := range []string{
		"¥" + strings.Repeat("9", 40),
		"¥1" + strings.Repeat(",000", 20),
		"¥1" + strings.Repeat(",000", 6),
		"only " + strings.Repeat("hundred ", 30) + "yuan",
		strings.Repeat("thousand ", 30) + "dollars",
		"只要" + strings.Repeat("九万", 20) + "元",
	} {
		for _, a := range findAmounts(text) {
			if a.value <= 0 || a.value > 1e16 {
				t.Errorf("findAmounts(%.30q…) = %+v, want a positive amount below 10^14 yuan", text, a)
			}
		}
	}
}

func TestReadZhNumber(t *testing.T) {
	for s, want := range map[string]int64{
		"九": 9, "十": 10, "十五": 15, "二十": 20, "九十九": 99, "一百": 100, "一百零五": 105, "一百二": 120,
		"一百九十九": 199, "两百": 200, "一千二": 1200, "一千零二十": 1020, "两万五": 25000, "三万六千": 36000,
		"一九九": 199, "九九": 99, "一千九百九十九": 1999,
	} {
		if v, n := readZhNumber(s); v != want || n != len(s) {
			t.Errorf("readZhNumber(%q) = %d (%d bytes), want %d (%d bytes)", s, v, n, want, len(s))
		}
	}
}

func TestFindDiscountsForms(t *testing.T) {
	tests := []struct {
		text string
		want string // "phrase=pct|…"
	}{
		{"五折", "五折=50"},
		{"三折起", "三折=30"},
		{"打八折", "打八折=80"},
		{"八五折", "八五折=85"},
		{"九点五折", "九点五折=95"},
		{"8.5折", "8.5折=85"},
		{"85折", "85折=85"},
		{"两折", "两折=20"},
		{"半价", "半价=50"},
		{"买一送一！", "买一送一=50"},
		{"买二送一", "买二送一=67"},
		{"买1送1", "买1送1=50"},
		{"half price", "half price=50"},
		{"50% off", "50% off=50"},
		{"30 percent off", "30 percent off=70"},
		{"save 20%", "save 20%=80"},
		{"Buy one get one free", "Buy one get one free=50"},
		{"BOGO today", "BOGO=50"},
		{"two for one", "two for one=50"},
		{"à moitié prix", "moitié prix=50"},
		{"soldes -30 %", "-30 %=70"},
		{"soldes −30%", "−30%=70"},
		{"Thé vert (-30 %)", "-30 %=70"},
		{"20 % de réduction", "20 % de réduction=80"},
		{"remise de 15 %", "remise de 15 %=85"},
		{"un acheté, un offert", "un acheté, un offert=50"},
		{"2 pour 1 ce soir", "2 pour 1=50"},
		{"30 % moins cher", "30 % moins cher=70"},
		{"Un thé pour deux", ""},
		// Look-alikes.
		{"三折叠伞", ""},
		{"折叠杯", ""},
		{"不打折", ""},
		{"折合人民币", ""},
		{"买一送一个杯子", ""},
		{"100% cotton", ""},
		{"-5 °C", ""},
		{"3-4 %", ""},
		{"百分之百", ""},
		{"第二件半价", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, d := range findDiscounts(tt.text) {
			got = append(got, fmt.Sprintf("%s=%d", d.phrase, d.pct))
		}
		if g := strings.Join(got, "|"); g != tt.want {
			t.Errorf("findDiscounts(%q) = %q, want %q", tt.text, g, tt.want)
		}
	}
}

// TestSpokenPriceClaims checks amounts said in words against the catalog
// (tea-01 costs 99, list 199): before, a line in numerals passed whatever
// it said.
func TestSpokenPriceClaims(t *testing.T) {
	const head = "id: x\nkind: livestream\ntitle: {zh-CN: T, en: T, fr: T}\npersona: p\nlanguages: [zh-CN, en, fr]\n" +
		"catalog:\n- {sku: tea-01, title: {zh-CN: 茶, en: Tea, fr: Thé}, price: 99, list_price: 199, stock: 500}\n" +
		"segments:\n- id: s\n  product: tea-01\n  steps:\n  - id: l\n    say:\n"
	tests := []struct {
		zh, en, fr string
		want       string // codes, "|"-joined
	}{
		{"原价一百九十九，现价九十九", "Was one hundred ninety-nine yuan, now only ninety-nine", "Avant 199 €, maintenant 99 €", ""},
		{"原价一百九十九，现价八十九", "Now only eighty-nine yuan", "Maintenant quatre-vingt-neuf euros", "price-claim|price-claim|price-claim"},
		{"两百元", "two hundred yuan", "deux cents euros", "price-claim|price-claim|price-claim"},
		{"五折", "50% off", "moitié prix", ""},
		{"打三折", "70% off", "-70 %", "discount-claim|discount-claim|discount-claim"},
		{"买一送一", "buy one get one free", "un acheté, un offert", ""},
		{"大家一起买两个", "Buy two, only one left", "Il en reste seulement deux.", ""},
	}
	for _, tt := range tests {
		src := head + "      zh-CN: '" + tt.zh + "'\n      en: '" + tt.en + "'\n      fr: '" + tt.fr + "'\n"
		_, ps := Parse("t.yaml", []byte(src))
		var got []string
		for _, p := range ps {
			if p.Code != "literal-price" { // true literals; TestCheckPricesLive covers the warning
				got = append(got, p.Code)
			}
		}
		if g := strings.Join(got, "|"); g != tt.want {
			t.Errorf("lines %q / %q / %q: problems %q, want %q\n%s", tt.zh, tt.en, tt.fr, g, tt.want, ps)
		}
	}
}

// TestPriceCorpus runs the price check on testdata/prices_corpus.tsv:
// lines stating amounts and discounts the catalog does not back, and true
// prices and look-alikes (counts, times, words with numerals), in zh, en
// and fr. A false alarm here is an error that stops a correct script, so
// none is allowed; every claim in the corpus is one the readers are meant
// to read, so recall must be complete too.
func TestPriceCorpus(t *testing.T) {
	const head = "id: x\nkind: livestream\ntitle: {zh-CN: T, en: T, fr: T}\npersona: p\nlanguages: [zh-CN, en, fr]\n" +
		"catalog:\n- {sku: tea-01, title: {zh-CN: 茶, en: Tea, fr: Thé}, price: 99, list_price: 199, stock: 500}\n" +
		"coupons: [{id: c1, title: {zh-CN: 券, en: C, fr: C}, discount: 10, min_spend: 99}]\n" +
		"sales: [{id: f1, sku: tea-01, price: 79, stock: 100, duration: 5m}]\n" +
		"segments:\n- id: s\n  product: tea-01\n  steps:\n  - {coupon: c1}\n  - {sale: f1}\n  - id: l\n    say:\n"
	src, err := os.ReadFile("testdata/prices_corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	neutral := map[string]string{"zh-CN": "好茶。", "en": "Good tea.", "fr": "Bon thé."}
	var claims, found, oks, alarms int
	for i, line := range strings.Split(string(src), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || (f[1] != "claim" && f[1] != "ok") {
			t.Fatalf("prices_corpus.tsv:%d: want lang, claim|ok and text, tab-separated", i+1)
		}
		lang := map[string]string{"zh": "zh-CN", "en": "en", "fr": "fr"}[f[0]]
		var b strings.Builder
		b.WriteString(head)
		for _, l := range []string{"zh-CN", "en", "fr"} {
			text := neutral[l]
			if l == lang {
				text = f[2]
			}
			fmt.Fprintf(&b, "      %s: %q\n", l, text)
		}
		_, ps := Parse("t.yaml", []byte(b.String()))
		flagged := false
		for _, p := range ps {
			switch p.Code {
			case "price-claim", "discount-claim":
				flagged = true
			case "unused-sale", "unused-coupon", "literal-price":
			default:
				t.Fatalf("prices_corpus.tsv:%d: unexpected problem %s", i+1, p)
			}
		}
		if f[1] == "claim" {
			claims++
			if flagged {
				found++
			} else {
				t.Logf("missed (%s): %s", f[0], f[2])
			}
		} else {
			oks++
			if flagged {
				alarms++
				t.Logf("false alarm (%s): %s: %s", f[0], f[2], ps)
			}
		}
	}
	t.Logf("price claims: recall %d/%d, false positives %d/%d", found, claims, alarms, oks)
	if claims < 25 || oks < 25 {
		t.Fatalf("corpus too small: %d claims, %d look-alikes", claims, oks)
	}
	if found != claims || alarms > 0 {
		t.Errorf("recall %d/%d and %d false positives, want all found and none", found, claims, alarms)
	}
}
