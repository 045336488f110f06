package voice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// OggOpus is what the headers of an Ogg Opus stream say (RFC 7845).
type OggOpus struct {
	Channels   int
	InputRate  int // the rate the encoder was given, in Hz (informational)
	PreSkip    int // 48 kHz samples to drop at the start
	Samples    int // 48 kHz samples of audio, after PreSkip
	Pages      int
	DurationMS int // Samples in ms, rounded
}

// ParseOggOpus checks that b is one whole Ogg Opus stream: every page's
// capture pattern and CRC, an OpusHead first, OpusTags next, one logical
// stream ending with an end-of-stream page, and returns its headers and
// duration (from the last page's granule position less the pre-skip).
func ParseOggOpus(b []byte) (OggOpus, error) {
	var o OggOpus
	var serial uint32
	var granule int64
	var packets [][]byte // the first two packets; headers fit in one page each here
	var pending []byte
	eos := false
	for off := 0; off < len(b); {
		if eos {
			return o, fmt.Errorf("voice: ogg: data after the end-of-stream page at byte %d", off)
		}
		if len(b)-off < 27 || !bytes.Equal(b[off:off+4], []byte("OggS")) {
			return o, fmt.Errorf("voice: ogg: no page at byte %d", off)
		}
		h := b[off : off+27]
		if h[4] != 0 {
			return o, fmt.Errorf("voice: ogg: page version %d at byte %d", h[4], off)
		}
		flags := h[5]
		n := int(h[26])
		if len(b)-off < 27+n {
			return o, fmt.Errorf("voice: ogg: truncated segment table at byte %d", off)
		}
		segs := b[off+27 : off+27+n]
		size := 0
		for _, s := range segs {
			size += int(s)
		}
		end := off + 27 + n + size
		if end > len(b) {
			return o, fmt.Errorf("voice: ogg: truncated page at byte %d", off)
		}
		page := b[off:end]
		want := binary.LittleEndian.Uint32(h[22:26])
		if got := oggCRC(page); got != want {
			return o, fmt.Errorf("voice: ogg: bad CRC of page %d", o.Pages)
		}
		s := binary.LittleEndian.Uint32(h[14:18])
		if o.Pages == 0 {
			if flags&2 == 0 {
				return o, errors.New("voice: ogg: first page is not a beginning of stream")
			}
			serial = s
		} else if s != serial {
			return o, errors.New("voice: ogg: more than one logical stream")
		}
		if g := int64(binary.LittleEndian.Uint64(h[6:14])); g != -1 {
			granule = g
		}
		eos = flags&4 != 0
		// Gather the first two packets (the headers).
		data := page[27+n:]
		for _, s := range segs {
			if len(packets) < 2 {
				pending = append(pending, data[:s]...)
				if s < 255 {
					packets = append(packets, pending)
					pending = nil
				}
			}
			data = data[s:]
		}
		o.Pages++
		off = end
	}
	if !eos {
		return o, errors.New("voice: ogg: no end-of-stream page")
	}
	if len(packets) < 2 {
		return o, errors.New("voice: ogg: missing header packets")
	}
	head := packets[0]
	if len(head) < 19 || !bytes.HasPrefix(head, []byte("OpusHead")) {
		return o, errors.New("voice: ogg: first packet is not OpusHead")
	}
	if head[8]&0xf0 != 0 {
		return o, fmt.Errorf("voice: ogg: OpusHead version %d", head[8])
	}
	if !bytes.HasPrefix(packets[1], []byte("OpusTags")) {
		return o, errors.New("voice: ogg: second packet is not OpusTags")
	}
	o.Channels = int(head[9])
	o.PreSkip = int(binary.LittleEndian.Uint16(head[10:12]))
	o.InputRate = int(binary.LittleEndian.Uint32(head[12:16]))
	o.Samples = int(granule) - o.PreSkip
	if o.Channels < 1 || o.Samples < 0 {
		return o, fmt.Errorf("voice: ogg: %d channels, %d samples", o.Channels, o.Samples)
	}
	o.DurationMS = (o.Samples + 24) / 48
	return o, nil
}

var oggTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

// oggCRC is the CRC of an Ogg page, computed with its CRC field as zero.
func oggCRC(page []byte) uint32 {
	var c uint32
	for i, x := range page {
		if i >= 22 && i < 26 {
			x = 0
		}
		c = c<<8 ^ oggTable[byte(c>>24)^x]
	}
	return c
}
