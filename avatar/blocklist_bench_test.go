package avatar_test

import (
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
)

// typicalComments are viewer comments as a shopping room gets them: mostly
// clean, short, Chinese and English, one in eight with a blocked word.
var typicalComments = []string{
	"主播好美！", "这款乳液多少钱？", "三号链接还有货吗", "什么时候发货呀", "有优惠券吗？性价比太高了",
	"Is this available in XL?", "How long does shipping take to Canada?", "你个傻逼主播",
	"宝宝用的奶瓶有吗", "Great bass sound, love it", "给你妈妈的礼物选哪个", "fuck this is expensive",
	"已下单，期待！", "Can you show the back of the jacket please?", "老铁们冲啊", "谢谢主播 讲得很清楚",
}

// BenchmarkBlocklistMask masks typical comments with the shipped default
// list (about 640 words): the gateway does this for every comment.
func BenchmarkBlocklistMask(b *testing.B) {
	f := avatar.NewBlocklist(avatar.DefaultBlockedWords())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Mask(typicalComments[i%len(typicalComments)])
		i++
	}
}

// BenchmarkBlocklistBlocks checks typical comments (as names) for a
// blocked word with the default list: the director does this for a name.
func BenchmarkBlocklistBlocks(b *testing.B) {
	f := avatar.NewBlocklist(avatar.DefaultBlockedWords())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Blocks(typicalComments[i%len(typicalComments)])
		i++
	}
}

// BenchmarkNewBlocklist builds the default list (once per gateway,
// director room and guard).
func BenchmarkNewBlocklist(b *testing.B) {
	words := avatar.DefaultBlockedWords()
	b.ReportAllocs()
	for b.Loop() {
		avatar.NewBlocklist(words)
	}
}

// BenchmarkBlocklistHostile masks a comment of the most characters a
// gateway takes (280) made to cost the most: every other character starts
// many default words and the gaps between are what a Chinese word may skip.
func BenchmarkBlocklistHostile(b *testing.B) {
	f := avatar.NewBlocklist(avatar.DefaultBlockedWords())
	text := strings.Repeat("你*他 ", 70)
	b.ReportAllocs()
	for b.Loop() {
		f.Mask(text)
	}
}
