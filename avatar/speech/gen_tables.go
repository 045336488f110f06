//go:build ignore

// gen_tables writes tables.go: the mouth shapes of the most frequent Chinese
// characters (from their pinyin) and of the kana. Run it with go generate.
package main

import (
	"bytes"
	"cmp"
	"fmt"
	"go/format"
	"log"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// hanPinyin lists common characters (general frequency, then livestream sales
// and museum vocabulary) each followed by its usual toneless pinyin; v stands for ü.
const hanPinyin = `
的de 一yi 是shi 不bu 了le 在zai 人ren 有you 我wo 他ta 这zhe 个ge 们men 中zhong 来lai
上shang 大da 为wei 和he 国guo 地di 到dao 以yi 说shuo 时shi 要yao 就jiu 出chu 会hui 可ke
也ye 你ni 对dui 生sheng 能neng 而er 子zi 那na 得de 于yu 着zhe 下xia 自zi 之zhi 年nian
过guo 发fa 后hou 作zuo 里li 用yong 道dao 行xing 所suo 然ran 家jia 种zhong 事shi 成cheng
方fang 多duo 经jing 么me 去qu 法fa 学xue 如ru 都dou 同tong 现xian 当dang 没mei 动dong
面mian 起qi 看kan 定ding 天tian 分fen 还hai 进jin 好hao 小xiao 部bu 其qi 些xie 主zhu
样yang 理li 心xin 她ta 本ben 前qian 开kai 但dan 因yin 只zhi 从cong 想xiang 实shi 日ri
意yi 无wu 力li 它ta 与yu 长chang 把ba 机ji 十shi 民min 第di 公gong 此ci 已yi 工gong
使shi 情qing 明ming 性xing 知zhi 全quan 三san 又you 关guan 点dian 正zheng 业ye 外wai
将jiang 两liang 高gao 间jian 由you 问wen 很hen 最zui 重zhong 并bing 物wu 手shou 应ying
向xiang 头tou 文wen 体ti 美mei 相xiang 见jian 被bei 利li 什shen 二er 等deng 产chan 或huo
新xin 己ji 制zhi 身shen 果guo 加jia 西xi 月yue 话hua 合he 回hui 特te 代dai 内nei 信xin
表biao 化hua 老lao 给gei 世shi 位wei 次ci 度du 门men 任ren 常chang 先xian 海hai 通tong
教jiao 儿er 原yuan 东dong 声sheng 提ti 立li 及ji 比bi 员yuan 解jie 水shui 名ming 真zhen
处chu 走zou 义yi 各ge 入ru 几ji 口kou 认ren 条tiao 平ping 系xi 气qi 题ti 活huo 更geng
别bie 打da 女nv 变bian 四si 神shen 总zong 何he 电dian 数shu 安an 少shao 报bao 才cai
结jie 反fan 受shou 目mu 太tai 量liang 再zai 感gan 建jian 务wu 做zuo 接jie 必bi 场chang
件jian 计ji 管guan 期qi 市shi 直zhi 资zi 命ming 山shan 金jin 指zhi 许xu 统tong 区qu
保bao 至zhi 形xing 社she 便bian 空kong 决jue 展zhan 马ma 科ke 司si 五wu 基ji 眼yan
书shu 非fei 则ze 听ting 白bai 却que 界jie 达da 光guang 放fang 强qiang 即ji 像xiang
难nan 且qie 思si 王wang 象xiang 完wan 设she 式shi 色se 路lu 记ji 南nan 品pin 住zhu
告gao 类lei 求qiu 据ju 程cheng 北bei 边bian 张zhang 该gai 交jiao 万wan 取qu 拉la
格ge 望wang 觉jue 术shu 共gong 确que 传chuan 师shi 观guan 清qing 今jin 切qie 院yuan
让rang 识shi 候hou 带dai 导dao 运yun 笑xiao 飞fei 风feng 步bu 改gai 收shou 根gen
干gan 造zao 言yan 联lian 持chi 组zu 每mei 车che 亲qin 极ji 林lin 服fu 快kuai 办ban
往wang 元yuan 英ying 士shi 证zheng 近jin 失shi 转zhuan 准zhun 布bu 始shi 怎zen 呢ne
存cun 未wei 远yuan 叫jiao 台tai 单dan 影ying 具ju 字zi 爱ai 流liu 备bei 连lian
调diao 深shen 商shang 算suan 质zhi 团tuan 集ji 百bai 需xu 价jia 花hua 华hua 城cheng
石shi 级ji 整zheng 离li 亚ya 请qing 技ji 约yue 示shi 复fu 息xi 线xian 火huo 精jing
满man 支zhi 视shi 消xiao 越yue 器qi 容rong 照zhao 须xu 九jiu 增zeng 写xie 称cheng
八ba 功gong 吗ma 包bao 片pian 史shi 查cha 轻qing 易yi 早zao 找zhao 装zhuang 广guang
吧ba 阿a 标biao 吃chi 图tu 念nian 六liu 引yin 历li 首shou 号hao 另ling 周zhou 语yu
考kao 青qing 选xuan 红hong 响xiang 推tui 希xi 古gu 房fang 半ban 节jie 土tu 某mou
黑hei 七qi 孩hai 星xing 够gou 音yin 跟gen 站zhan 例li 供gong 效xiao 留liu 讲jiang
型xing 料liao 答da 紧jin 黄huang 奇qi 母mu 京jing 故gu 按an 河he 米mi 江jiang
双shuang 客ke 纪ji 采cai 杀sha 父fu 低di 朝chao 友you 细xi 千qian 值zhi 男nan
钱qian 网wang 热re 助zhu 速su 刻ke 乐le 刚gang 球qiu 普pu 怕pa 苦ku 久jiu 错cuo
晚wan 试shi 拿na 谁shui 哪na 送song 夜ye 喜xi 食shi 待dai 欢huan 福fu 龙long 冷leng
汉han 哈ha 卡ka 衣yi 您nin 妈ma 读du 啊a 超chao 免mian 买mai 优you 香xiang 左zuo
右you 穿chuan 艺yi 块kuai 酒jiu 哥ge 款kuan 宝bao 景jing 货huo 付fu 慢man 换huan
忙mang 姐jie 亮liang 味wei 画hua 贵gui 谢xie 销xiao 钟zhong 藏cang 票piao 春chun
礼li 雨yu 呀ya 饭fan 补bu 材cai 笔bi 鲜xian 博bo 卖mai 唐tang 宫gong 喝he 宋song
抢qiang 玉yu 馆guan 店dian 购gou 库ku 售shou 灯deng 折zhe 贝bei 夏xia 彩cai 妹mei
啦la 秋qiu 冬dong 茶cha 季ji 零ling 码ma 杯bei 券quan 惠hui 秒miao 链lian 拍pai
赶gan 抓zhua 粉fen 丝si 迎ying 播bo 颜yan 裤ku 鞋xie 甜tian 限xian 牌pai 旗qi
舰jian 减jian 赠zeng 盒he 绿lv 井jing 铁tie 邮you 亿yi 嗯en 哦o 哇wa 吧ba 嘛ma
瓷ci 铜tong 陶tao 俑yong 鼎ding 纹wen 饰shi 雕diao 帝di 皇huang 墓mu 秦qin 周zhou
距ju 约yue 世shi 纪ji 朋peng 友you 宝bao 家jia 库ku 存cun 拍pai 链lian
`

// kana spells U+3041 to U+3096 in romaji; x marks a small kana.
const kana = `xa a xi i xu u xe e xo o ka ga ki gi ku gu ke ge ko go sa za shi ji su zu se ze so zo
ta da chi ji xtu tsu zu te de to do na ni nu ne no ha ba pa hi bi pi fu bu pu he be pe ho bo po
ma mi mu me mo xya ya xyu yu xyo yo ra ri ru re ro xwa wa wi we wo n vu xka xke`

// Viseme codes, as in speech.go.
const (
	vNone = iota
	vRest
	vA
	vE
	vO
	vU
	vM
	vF
	vL
	vS
)

// onset returns the viseme of a pinyin or romaji initial and the rest of the syllable.
func onset(p string) (int, string) {
	for _, pre := range []string{"zh", "ch", "sh", "ts"} {
		if strings.HasPrefix(p, pre) {
			return vS, p[2:]
		}
	}
	switch p[0] {
	case 'b', 'p', 'm':
		return vM, p[1:]
	case 'f', 'v':
		return vF, p[1:]
	case 'd', 't', 'n', 'l', 'r':
		if p == "n" {
			return vL, ""
		}
		return vL, p[1:]
	case 'z', 'c', 's', 'j', 'q', 'x':
		return vS, p[1:]
	case 'g', 'k', 'h':
		return vNone, p[1:]
	case 'w':
		return vU, p[1:]
	case 'y':
		return vNone, p[1:]
	}
	return vNone, p
}

// nucleus returns the viseme of a syllable's main vowel.
func nucleus(p, final string) int {
	switch {
	case strings.Contains(final, "ian") || p == "yan":
		return vE
	case strings.Contains(final, "a"):
		return vA
	case strings.Contains(final, "o"):
		return vO
	case strings.Contains(final, "e"):
		return vE
	case strings.Contains(final, "u") || strings.Contains(final, "v"):
		return vU
	case strings.Contains(final, "i"):
		return vE
	}
	return vNone
}

func shape(p string) byte {
	on, final := onset(p)
	nu := nucleus(p, final)
	if on == vNone && len(final) > 1 && final[0] == 'u' && nu != vU {
		on = vU // the medial u of guo, kuai, huan rounds the lips first
	}
	if on == nu {
		on = vNone
	}
	return byte(on<<4 | nu)
}

func main() {
	type entry struct {
		r rune
		s byte
		p string
	}
	var han []entry
	seen := map[rune]bool{}
	for _, f := range strings.Fields(hanPinyin) {
		r, size := utf8.DecodeRuneInString(f)
		if seen[r] {
			continue
		}
		seen[r] = true
		han = append(han, entry{r, shape(f[size:]), f[size:]})
	}
	slices.SortFunc(han, func(a, b entry) int { return cmp.Compare(a.r, b.r) })

	ks := strings.Fields(kana)
	if len(ks) != 0x3096-0x3041+1 {
		log.Fatalf("gen_tables: %d kana, want %d", len(ks), 0x3096-0x3041+1)
	}

	var b bytes.Buffer
	b.WriteString("// Code generated by gen_tables.go; DO NOT EDIT.\n\npackage speech\n\n")
	b.WriteString("// hanShapes holds, sorted by rune, the mouth shape of common Han characters:\n")
	b.WriteString("// the onset viseme in the high nibble, the vowel viseme in the low one.\n")
	b.WriteString("var hanShapes = [...]runeShape{\n")
	for _, e := range han {
		fmt.Fprintf(&b, "\t{%q, 0x%02x}, // %s\n", e.r, e.s, e.p)
	}
	b.WriteString("}\n\n")
	b.WriteString("// kanaShapes holds the mouth shape of U+3041 to U+3096, as hanShapes does.\n")
	b.WriteString("var kanaShapes = [...]uint8{\n")
	for i, k := range ks {
		s := byte(vNone)
		if k != "xtu" {
			s = shape(strings.TrimPrefix(k, "x"))
		}
		fmt.Fprintf(&b, "\t0x%02x, // %c %s\n", s, rune(0x3041+i), k)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("tables.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("gen_tables: %d Han characters", len(han))
}
