/*
 * A reader of Hydra's stream that shares no code with Hydra: Debian's libnats (C client), plain JetStream
 * calls, and only the names `hydra events info` prints.
 *
 *   reader events NATS_URL STREAM FILTER        every event matching FILTER, one JSON line each:
 *                                                {"seq":N,"subject":"...","event":{...}}
 *   reader blob NATS_URL BUCKET NAME OUT_FILE    the blob NAME of the Object Store BUCKET, into OUT_FILE
 *
 * Build: gcc -o reader reader.c -lnats   (Debian: apt-get install gcc libnats-dev)
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what, natsStatus s, jsErrCode jerr) {
  fprintf(stderr, "reader: %s: %s (jetstream error %d)\n", what, natsStatus_GetText(s), (int)jerr);
  exit(1);
}

/* An ordered consumer from the first message: the stream order, no state kept on the server. */
static natsSubscription *ordered(jsCtx *js, const char *stream, const char *filter) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream;
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription *sub = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_SubscribeSync(&sub, js, filter, NULL, &so, &jerr);
  if (s != NATS_OK) fail("subscribe", s, jerr);
  return sub;
}

/* Reads the next message and its stream metadata; `pending` is how many more match the filter. */
static natsMsg *next(natsSubscription *sub, uint64_t *seq, uint64_t *pending) {
  natsMsg *msg = NULL;
  natsStatus s = natsSubscription_NextMsg(&msg, sub, 30000);
  if (s != NATS_OK) fail("next message", s, 0);
  jsMsgMetaData *meta = NULL;
  s = natsMsg_GetMetaData(&meta, msg);
  if (s != NATS_OK) fail("message metadata", s, 0);
  *seq = meta->Sequence.Stream;
  *pending = meta->NumPending;
  jsMsgMetaData_Destroy(meta);
  return msg;
}

static int events(jsCtx *js, const char *stream, const char *filter) {
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
  if (s != NATS_OK) fail("stream info", s, jerr);
  uint64_t total = si->State.Msgs;
  jsStreamInfo_Destroy(si);
  if (total == 0) return 0;
  natsSubscription *sub = ordered(js, stream, filter);
  for (uint64_t pending = 1; pending > 0;) {
    uint64_t seq = 0;
    natsMsg *msg = next(sub, &seq, &pending);
    printf("{\"seq\":%llu,\"subject\":\"%s\",\"event\":%.*s}\n", (unsigned long long)seq, natsMsg_GetSubject(msg),
           natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    natsMsg_Destroy(msg);
  }
  natsSubscription_Destroy(sub);
  return 0;
}

/* RFC 4648 section 5, with padding: how the Object Store names a meta subject. */
static void base64url_padded(const char *in, char *out) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t n = strlen(in), o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned char)in[i] << 16;
    if (i + 1 < n) v |= (unsigned char)in[i + 1] << 8;
    if (i + 2 < n) v |= (unsigned char)in[i + 2];
    out[o++] = abc[(v >> 18) & 63];
    out[o++] = abc[(v >> 12) & 63];
    out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? abc[v & 63] : '=';
  }
  out[o] = '\0';
}

/* The value of "key" in a flat JSON object as JSON.stringify writes it (enough for the Object Store's meta). */
static const char *json_field(const char *json, int len, const char *key, char *out, size_t cap) {
  char needle[64];
  snprintf(needle, sizeof needle, "\"%s\":", key);
  char *copy = strndup(json, (size_t)len);
  const char *at = strstr(copy, needle);
  if (!at) {
    free(copy);
    return NULL;
  }
  at += strlen(needle);
  if (*at == '"') at++;
  size_t i = 0;
  while (at[i] && at[i] != '"' && at[i] != ',' && at[i] != '}' && i + 1 < cap) {
    out[i] = at[i];
    i++;
  }
  out[i] = '\0';
  free(copy);
  return out;
}

static int blob(jsCtx *js, const char *bucket, const char *name, const char *outFile) {
  char stream[256], metaSubject[512], encoded[256], nuid[64], chunksText[32], sizeText[32], chunkSubject[256];
  snprintf(stream, sizeof stream, "OBJ_%s", bucket);
  base64url_padded(name, encoded);
  snprintf(metaSubject, sizeof metaSubject, "$O.%s.M.%s", bucket, encoded);
  natsMsg *meta = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_GetLastMsg(&meta, js, stream, metaSubject, NULL, &jerr);
  if (s != NATS_OK) fail("blob meta", s, jerr);
  const char *data = natsMsg_GetData(meta);
  int len = natsMsg_GetDataLength(meta);
  if (!json_field(data, len, "nuid", nuid, sizeof nuid) || !json_field(data, len, "chunks", chunksText, sizeof chunksText) ||
      !json_field(data, len, "size", sizeText, sizeof sizeText)) {
    fprintf(stderr, "reader: meta without nuid, chunks or size: %.*s\n", len, data);
    return 1;
  }
  natsMsg_Destroy(meta);
  long chunks = atol(chunksText), size = atol(sizeText), written = 0;
  FILE *out = fopen(outFile, "wb");
  if (!out) {
    perror(outFile);
    return 1;
  }
  if (chunks > 0) {
    snprintf(chunkSubject, sizeof chunkSubject, "$O.%s.C.%s", bucket, nuid);
    natsSubscription *sub = ordered(js, stream, chunkSubject);
    for (long i = 0; i < chunks; i++) {
      uint64_t seq = 0, pending = 0;
      natsMsg *msg = next(sub, &seq, &pending);
      written += (long)fwrite(natsMsg_GetData(msg), 1, (size_t)natsMsg_GetDataLength(msg), out);
      natsMsg_Destroy(msg);
    }
    natsSubscription_Destroy(sub);
  }
  fclose(out);
  if (written != size) {
    fprintf(stderr, "reader: read %ld bytes of %ld\n", written, size);
    return 1;
  }
  fprintf(stderr, "reader: %s: %ld bytes in %ld chunks\n", name, size, chunks);
  return 0;
}

int main(int argc, char **argv) {
  int isEvents = argc == 5 && strcmp(argv[1], "events") == 0;
  int isBlob = argc == 6 && strcmp(argv[1], "blob") == 0;
  if (!isEvents && !isBlob) {
    fprintf(stderr, "usage: reader events NATS_URL STREAM FILTER | reader blob NATS_URL BUCKET NAME OUT_FILE\n");
    return 2;
  }
  natsConnection *nc = NULL;
  natsStatus s = natsConnection_ConnectTo(&nc, argv[2]);
  if (s != NATS_OK) fail("connect", s, 0);
  jsCtx *js = NULL;
  s = natsConnection_JetStream(&js, nc, NULL);
  if (s != NATS_OK) fail("jetstream", s, 0);
  int rc = isEvents ? events(js, argv[3], argv[4]) : blob(js, argv[3], argv[4], argv[5]);
  fflush(stdout);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  nats_Close();
  return rc;
}
