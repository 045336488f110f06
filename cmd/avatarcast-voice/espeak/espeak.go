//go:build cgo && espeak

package espeak

/*
#cgo pkg-config: espeak-ng libopusenc
#include <espeak-ng/speak_lib.h>
#include <opusenc.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int type, pos, len, at; char str[9]; char *name; } ae_event;
typedef struct {
	short *pcm; int n, cap;
	ae_event *ev; int nev, evcap;
	int oom;
} ae_synth;

static ae_synth *ae_cur;

static int ae_grow(void **p, int *cap, int need, int size) {
	if (need <= *cap) return 0;
	int c = *cap ? *cap : 4096;
	while (c < need) c *= 2;
	void *q = realloc(*p, (size_t)c * size);
	if (!q) return -1;
	*p = q; *cap = c;
	return 0;
}

static int ae_callback(short *wav, int n, espeak_EVENT *ev) {
	ae_synth *s = ae_cur;
	if (!s) return 1;
	if (wav && n > 0) {
		if (ae_grow((void **)&s->pcm, &s->cap, s->n + n, sizeof(short))) { s->oom = 1; return 1; }
		memcpy(s->pcm + s->n, wav, (size_t)n * sizeof(short));
		s->n += n;
	}
	for (; ev && ev->type != espeakEVENT_LIST_TERMINATED; ev++) {
		if (ev->type != espeakEVENT_WORD && ev->type != espeakEVENT_PHONEME && ev->type != espeakEVENT_MARK) continue;
		if (ae_grow((void **)&s->ev, &s->evcap, s->nev + 1, sizeof(ae_event))) { s->oom = 1; return 1; }
		ae_event *e = &s->ev[s->nev++];
		memset(e, 0, sizeof *e);
		e->type = ev->type; e->pos = ev->text_position; e->len = ev->length; e->at = ev->audio_position;
		if (ev->type == espeakEVENT_PHONEME) memcpy(e->str, ev->id.string, 8);
		if (ev->type == espeakEVENT_MARK && ev->id.name) e->name = strdup(ev->id.name);
	}
	return 0;
}

static int ae_init(void) {
	int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
		espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_PHONEME_IPA | espeakINITIALIZE_DONT_EXIT);
	if (rate > 0) espeak_SetSynthCallback(ae_callback);
	return rate;
}

static const char *ae_version(void) {
	const char *path;
	return espeak_Info(&path);
}

// ae_run synthesises text (SSML) into s; 0 or an espeak_ERROR.
static int ae_run(ae_synth *s, const char *voice, const char *text, int rate, int pitch) {
	int err = espeak_SetVoiceByName(voice);
	if (err != EE_OK) return -1000 - err;
	espeak_SetParameter(espeakRATE, rate, 0);
	espeak_SetParameter(espeakPITCH, pitch, 0);
	ae_cur = s;
	err = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8 | espeakSSML, NULL, NULL);
	if (err == EE_OK) err = espeak_Synchronize();
	ae_cur = NULL;
	if (s->oom) return -2000;
	return err;
}

static void ae_free(ae_synth *s) {
	for (int i = 0; i < s->nev; i++) free(s->ev[i].name);
	free(s->ev); free(s->pcm);
	memset(s, 0, sizeof *s);
}

typedef struct { unsigned char *data; int n, cap; int oom; } ae_out;

static int ae_write(void *user, const unsigned char *p, opus_int32 len) {
	ae_out *o = user;
	if (ae_grow((void **)&o->data, &o->cap, o->n + len, 1)) { o->oom = 1; return 1; }
	memcpy(o->data + o->n, p, len);
	o->n += len;
	return 0;
}
static int ae_close(void *user) { (void)user; return 0; }

// ae_encode writes n samples of mono 16-bit pcm at rate as Ogg Opus at bitrate into o.
static int ae_encode(const short *pcm, int n, int rate, int bitrate, int complexity, ae_out *o) {
	OpusEncCallbacks cbs = { ae_write, ae_close };
	OggOpusComments *c = ope_comments_create();
	if (!c) return OPE_ALLOC_FAIL;
	int err = OPE_OK;
	OggOpusEnc *enc = ope_encoder_create_callbacks(&cbs, o, c, rate, 1, 0, &err);
	if (!enc) { ope_comments_destroy(c); return err; }
	ope_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate));
	ope_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
	ope_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity));
	ope_encoder_ctl(enc, OPE_SET_SERIALNO(1)); // same input, same bytes
	err = ope_encoder_write(enc, pcm, n);
	if (err == OPE_OK) err = ope_encoder_drain(enc);
	ope_encoder_destroy(enc);
	ope_comments_destroy(c);
	if (o->oom) return OPE_ALLOC_FAIL;
	return err;
}

static void ae_out_free(ae_out *o) { free(o->data); memset(o, 0, sizeof *o); }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/avatarcast/avatarcast/avatar/voice"
)

// Available reports whether this build links espeak-ng.
const Available = true

var (
	initOnce sync.Once
	initRate int
	initErr  error
	// mu serialises every call into espeak-ng: the library keeps
	// process-wide state (voice, parameters, the callback's buffer).
	mu sync.Mutex
)

func initLib() {
	r := int(C.ae_init())
	if r <= 0 {
		initErr = fmt.Errorf("espeak: initialize: error %d (is espeak-ng-data installed?)", r)
		return
	}
	initRate = r
}

// New returns the espeak-ng synthesizer, initialising the library once
// per process.
func New(cfg Config) (*Synth, error) {
	initOnce.Do(initLib)
	if initErr != nil {
		return nil, initErr
	}
	return &Synth{cfg: cfg.withDefaults(), version: C.GoString(C.ae_version())}, nil
}

// Synthesize renders req with espeak-ng and encodes it as Ogg Opus. Calls
// are serialised (the library is not reentrant); ctx is checked before.
func (s *Synth) Synthesize(ctx context.Context, req voice.Request) (voice.Audio, error) {
	if err := req.Validate(); err != nil {
		return voice.Audio{}, err
	}
	if err := ctx.Err(); err != nil {
		return voice.Audio{}, err
	}
	ssml := buildSSML(req)
	name := C.CString(VoiceFor(req))
	defer C.free(unsafe.Pointer(name))
	text := C.CString(ssml.text)
	defer C.free(unsafe.Pointer(text))

	var cs C.ae_synth
	mu.Lock()
	rc := C.ae_run(&cs, name, text, C.int(wpm(req.RateOf())), C.int(pitch(req.PitchOf())))
	mu.Unlock()
	defer C.ae_free(&cs)
	switch {
	case rc <= -2000:
		return voice.Audio{}, errors.New("espeak: out of memory")
	case rc <= -1000:
		return voice.Audio{}, fmt.Errorf("espeak: voice %q: error %d", VoiceFor(req), -1000-int(rc))
	case rc != 0:
		return voice.Audio{}, fmt.Errorf("espeak: synth: error %d", int(rc))
	}
	evs := unsafe.Slice(cs.ev, int(cs.nev))
	events := make([]event, len(evs))
	for i, e := range evs {
		ev := event{kind: kindOf(e._type), pos: int(e.pos), length: int(e.len), at: int(e.at)}
		switch ev.kind {
		case evPhoneme:
			ev.name = C.GoStringN(&e.str[0], 8)
			if j := indexNUL(ev.name); j >= 0 {
				ev.name = ev.name[:j]
			}
		case evMark:
			if e.name != nil {
				ev.name = C.GoString(e.name)
			}
		}
		events[i] = ev
	}
	n := int(cs.n)
	if n == 0 {
		return voice.Audio{}, errors.New("espeak: no audio")
	}
	durMS := (n*1000 + initRate/2) / initRate

	var out C.ae_out
	defer C.ae_out_free(&out)
	if rc := C.ae_encode(cs.pcm, C.int(n), C.int(initRate), C.int(s.cfg.Bitrate), C.int(s.cfg.Complexity), &out); rc != 0 {
		return voice.Audio{}, fmt.Errorf("espeak: opus encode: error %d", int(rc))
	}
	a := timings(req, ssml, events, durMS)
	a.Data = C.GoBytes(unsafe.Pointer(out.data), out.n)
	a.Format = voice.FormatOggOpus
	return a, nil
}

func kindOf(t C.int) evKind {
	switch t {
	case C.espeakEVENT_WORD:
		return evWord
	case C.espeakEVENT_PHONEME:
		return evPhoneme
	case C.espeakEVENT_MARK:
		return evMark
	}
	return 0
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}
