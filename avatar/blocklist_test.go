package avatar_test

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
)

// Latin words match whole words (a name in CamelCase or with digits is
// words too); Chinese words match anywhere.
func TestBlocklistWordBoundaries(t *testing.T) {
	b := avatar.NewBlocklist([]string{"ass", "blow job", "骗子", "干死GM"})
	for _, tc := range []struct{ in, want string }{
		{"ass", "***"},
		{"ASS!", "***!"},
		{"you ass, go", "you ***, go"},
		{"(ass)", "(***)"},
		{"class", "class"},
		{"assistant", "assistant"},
		{"pass the glass, bass", "pass the glass, bass"},
		{"ass2", "***2"},         // digits after letters start another word
		{"BigAss", "Big***"},     // so does a capital after a small letter
		{"Bigass", "Bigass"},     // but not a small letter
		{"ClassAct", "ClassAct"}, // nor inside a word
		{"ASSET", "ASSET"},       // nor capitals after capitals
		{"2ass", "2***"},
		{"你是ass吗", "你是***吗"},         // Chinese is no letter of the word
		{"blow job", "********"},     // a phrase
		{"blow   job", "**********"}, // spaces in a phrase: any run
		{"blowjob", "blowjob"},       // not the phrase
		{"大骗子们", "大**们"},             // Chinese: substring
		{"干死gm了", "****了"},           // mixed: the Latin end needs a boundary
		{"干死GMs", "干死GMs"},           // …so a longer word is no match
		{"no words at all", "no words at all"},
	} {
		if got := b.Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got, want := b.Blocks(tc.in), tc.in != tc.want; got != want {
			t.Errorf("Blocks(%q) = %v, want %v", tc.in, got, want)
		}
	}
}

// Cheap evasions: case, full-width letters, zero-width characters, and
// symbols or spaces between a Chinese word's characters.
func TestBlocklistEvasions(t *testing.T) {
	b := avatar.NewBlocklist([]string{"fuck", "傻逼"})
	for _, tc := range []struct{ in, want string }{
		{"FuCk", "****"},
		{"ｆｕｃｋ you", "**** you"}, // full-width letters
		{"ＦＵＣＫ！", "****！"},
		{"f\u200buck", "*****"}, // zero-width space inside
		{"fu\u00adck", "*****"}, // soft hyphen inside
		{"傻 逼", "***"},          // a space between characters
		{"傻*逼", "***"},          // a symbol between
		{"傻.-_逼", "*****"},      // up to three
		{"傻....逼", "傻....逼"},    // not more
		{"傻，逼", "傻，逼"},          // sentence punctuation stays a boundary
		{"傻\n逼", "傻\n逼"},        // so does a new line
		{"傻\u200b逼", "***"},     // zero-width
		{"f u c k", "f u c k"},  // spelled out Latin: the guard's business
		{"FUCKING", "FUCKING"},  // another word (the default list has it)
	} {
		if got := b.Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The longest word at a place is masked, and masks never overlap wrongly.
func TestBlocklistLongest(t *testing.T) {
	b := avatar.NewBlocklist([]string{"操你", "操你妈", "shit", "piece of shit"})
	for _, tc := range []struct{ in, want string }{
		{"操你妈的", "***的"},
		{"操你", "**"},
		{"a piece of shit!", "a *************!"},
		{"shit shit", "**** ****"},
	} {
		if got := b.Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The default list ships and holds what a platform masks by default.
func TestDefaultBlockedWords(t *testing.T) {
	words := avatar.DefaultBlockedWords()
	if len(words) < 400 {
		t.Fatalf("DefaultBlockedWords: %d words, want the vendored lists (hundreds)", len(words))
	}
	b := avatar.NewBlocklist(words)
	for _, in := range []string{
		"傻逼", "你个傻逼主播", "操你妈", "他妈的", "骗子王", "草泥马", "脑残", "智障",
		"fuck you", "You're a BITCH", "asshole", "nigger", "ｆｕｃｋ", "shit!", "retard", "🖕",
	} {
		if !b.Blocks(in) {
			t.Errorf("default list: Blocks(%q) = false, want true", in)
		}
	}
	words[0] = "changed"
	if avatar.DefaultBlockedWords()[0] == "changed" {
		t.Error("DefaultBlockedWords returns a shared slice; want a fresh copy")
	}
}

// Ordinary shopping, museum and chat talk passes the default list
// untouched: every word removed from the vendored lists was removed for one
// of these.
func TestDefaultBlockedWordsLeaveOrdinaryTalk(t *testing.T) {
	b := avatar.NewBlocklist(avatar.DefaultBlockedWords())
	for _, in := range ordinaryTalk {
		if got := b.Mask(in); got != in {
			t.Errorf("default list: Mask(%q) = %q, want it unmasked", in, got)
		}
	}
}

var ordinaryTalk = []string{
	// Chinese comments and product talk.
	"这款乳液多少钱？", "牛奶和奶粉还有吗", "奶茶好喝吗", "性价比太高了", "性能怎么样", "成人款有没有",
	"给你妈妈的礼物", "送给妈妈的母亲节礼物", "我妈比我还喜欢", "妈妈的味道", "姑娘的裙子好看",
	"晒干你的衣服", "生日你想要什么", "今日你来了吗", "手机八折吗", "手机巴掌大", "土鸡鸡蛋多少钱",
	"吃鸡吧", "体操比赛", "插你的充电器就行", "照射你的皮肤", "靠背椅", "靠腰部支撑", "依靠母亲",
	"狗狗日常用品", "乌龟头", "斑鳩", "柒佰元", "13.99元", "13点开抢", "处女座", "老母鸡汤",
	"老味道", "肥西老母鸡", "私服穿搭", "硬膠玩具", "粉腸", "贝肉", "野鸡", "卫生巾经期用", "屁股垫",
	"鸡8块", "奸商", "逼真", "咄咄逼人", "鸡卵", "卵石", "能幹", "賤賣", "激情", "祖宗", "老二",
	"打飞机玩具", "宠物尿垫防撒尿", "包邮吗", "主播好美", "什么时候发货", "有优惠券吗", "扫货",
	"青色款有吗", "本单包邮", "质量怎么样", "三号链接", "主播辛苦了", "谢谢大家", "秘密洞穴",
	"这款逼格很高", "全家都能用", "你全家都能用吗", "宝宝奶嘴乳头", "刚度很好", "开口肯定",
	// English comments and product talk.
	"Is this class assistant available?", "Pass the glass, please", "Great bass sound",
	"The Scunthorpe store", "Cocktail glasses", "grapefruit juice", "analysis of the fabric",
	"a therapist recommended it", "Peacock feathers", "Sussex", "Middlesex", "Essex", "unisex hoodie",
	"sexy dress in nude colour", "butt-lift leggings", "Maine Coon cat tree", "kinky curly wig",
	"panty liners", "baby bottle nipples", "Snatch it up before it sells out", "vacuum that can suck up dust",
	"the strap on this bag", "I'm tied up today", "make me come back later", "hardcore workout",
	"a tight white shirt", "how to kill weeds", "XXL or XX?", "S&M sizes", "lolita dress",
	"Dickens novel", "cumulative discount",
	"Titanic museum", "spicy", "scathing", "homogenised milk", "Shitake mushrooms",
	"iPhone 15 Pro", "MacBook Air", "PlayStation5", "AirPods", "YouTube", "WeChat", "USB3", "4K HDR",
	"hello", "Mr. Wang", "assess", "assume", "bassist", "passage", "embarrass",
}

func ExampleBlocklist() {
	b := avatar.NewBlocklist(append(avatar.DefaultBlockedWords(), "假货"))
	fmt.Println(b.Mask("你个傻 逼, this is 假货! ＦＵＣＫ, first class"))
	fmt.Println(b.Blocks("Cassandra"), b.Blocks("BigAss"))
	// Output:
	// 你个***, this is **! ****, first class
	// false true
}

// FuzzBlocklist: any text is masked without a panic, keeps its number of
// characters, and is changed exactly when Blocks says it holds a word.
func FuzzBlocklist(f *testing.F) {
	for _, s := range append(ordinaryTalk, "你个傻 * 逼", "ｆ\u200bｕck123", "BigAss", "\xff\xfe傻逼", "blow \t job", "") {
		f.Add(s)
	}
	b := avatar.NewBlocklist(avatar.DefaultBlockedWords())
	f.Fuzz(func(t *testing.T, s string) {
		m := b.Mask(s)
		if utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Errorf("Mask(%q) = %q: %d characters, want %d", s, m, utf8.RuneCountInString(m), utf8.RuneCountInString(s))
		}
		if got := b.Blocks(s); got != (m != s) {
			t.Errorf("Blocks(%q) = %v, but Mask gives %q", s, got, m)
		}
	})
}
