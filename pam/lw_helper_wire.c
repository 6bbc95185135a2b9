/*
 * lw_helper_wire.c - see lw_helper_wire.h.
 */
#include "lw_helper_wire.h"

#include <string.h>

typedef struct writer {
    uint8_t *out;
    size_t cap, used;
    int full;
} writer;

static void put_u32(writer *w, uint32_t value)
{
    if (w->full || w->cap - w->used < 4) {
        w->full = 1;
        return;
    }
    for (int i = 0; i < 4; i++)
        w->out[w->used++] = (uint8_t)(value >> (8 * i));
}

static void put_bytes(writer *w, lw_bytes b, size_t limit)
{
    if (b.length > limit || (b.length > 0 && b.data == NULL)) {
        w->full = 1;
        return;
    }
    put_u32(w, (uint32_t)b.length);
    if (w->full || w->cap - w->used < b.length) {
        w->full = 1;
        return;
    }
    if (b.length > 0)
        memcpy(w->out + w->used, b.data, b.length);
    w->used += b.length;
}

size_t lw_helper_encode(uint8_t *out, size_t cap, const lw_helper_request *request)
{
    writer w = { out, cap, 0, 0 };

    if (cap < 4 || request->argument_count > LW_MAX_ARGS)
        return 0;
    memcpy(out, LW_HELPER_MAGIC, 4);
    w.used = 4;
    put_u32(&w, request->stage);
    put_u32(&w, request->flags);
    put_bytes(&w, request->user, LW_MAX_FIELD_BYTES);
    put_bytes(&w, request->service, LW_MAX_FIELD_BYTES);
    put_bytes(&w, request->rhost, LW_MAX_FIELD_BYTES);
    put_bytes(&w, request->tty, LW_MAX_FIELD_BYTES);
    put_bytes(&w, request->token, LW_MAX_REPLY_BYTES);
    put_u32(&w, (uint32_t)request->argument_count);
    for (size_t i = 0; i < request->argument_count; i++)
        put_bytes(&w, request->arguments[i], LW_MAX_FIELD_BYTES);
    return w.full ? 0 : w.used;
}

typedef struct reader {
    const uint8_t *in;
    size_t length, used;
    const char *why;
} reader;

static uint32_t get_u32(reader *r)
{
    uint32_t value = 0;

    if (r->why != NULL)
        return 0;
    if (r->length - r->used < 4) {
        r->why = "request cut short";
        return 0;
    }
    for (int i = 0; i < 4; i++)
        value |= (uint32_t)r->in[r->used++] << (8 * i);
    return value;
}

static lw_bytes get_bytes(reader *r, size_t limit)
{
    lw_bytes b = { NULL, 0 };
    uint32_t length = get_u32(r);

    if (r->why != NULL)
        return b;
    if (length > limit) {
        r->why = "field longer than the contract allows";
        return b;
    }
    if (r->length - r->used < length) {
        r->why = "request cut short";
        return b;
    }
    b.data = r->in + r->used;
    b.length = length;
    r->used += length;
    return b;
}

int lw_helper_decode(const uint8_t *in, size_t length, lw_helper_request *request, const char **why)
{
    reader r = { in, length, 0, NULL };

    memset(request, 0, sizeof(*request));
    if (length < 4 || memcmp(in, LW_HELPER_MAGIC, 4) != 0) {
        *why = "not a request from pam_lockwarden";
        return -1;
    }
    r.used = 4;
    request->stage = get_u32(&r);
    request->flags = get_u32(&r);
    request->user = get_bytes(&r, LW_MAX_FIELD_BYTES);
    request->service = get_bytes(&r, LW_MAX_FIELD_BYTES);
    request->rhost = get_bytes(&r, LW_MAX_FIELD_BYTES);
    request->tty = get_bytes(&r, LW_MAX_FIELD_BYTES);
    request->token = get_bytes(&r, LW_MAX_REPLY_BYTES);
    request->argument_count = get_u32(&r);
    if (r.why == NULL && request->argument_count > LW_MAX_ARGS)
        r.why = "more module arguments than the contract allows";
    for (size_t i = 0; r.why == NULL && i < request->argument_count; i++)
        request->arguments[i] = get_bytes(&r, LW_MAX_FIELD_BYTES);
    if (r.why == NULL && r.used != length)
        r.why = "bytes after the request";
    *why = r.why;
    return r.why == NULL ? 0 : -1;
}
