#pragma once
// Message data for FETCH and friends, one concern per header:
//   envelope_render.h        ENVELOPE
//   body_structure_render.h  BODY / BODYSTRUCTURE
//   section_locator.h        BODY[section] byte ranges, HEADER.FIELDS filter, <partial>
//   binary_decode.h          BINARY[] / BINARY.SIZE (RFC 3516)
//   preview.h                PREVIEW (RFC 8970)
//   imap_date.h              INTERNALDATE, APPEND date-time, SEARCH dates
//   mutf7.h                  modified UTF-7 mailbox names
// All pure: no Asio, no store; the ParsedMessage comes from
// mime::deserialize() of the stored summary.
#include "imap/binary_decode.h"
#include "imap/body_structure_render.h"
#include "imap/envelope_render.h"
#include "imap/imap_date.h"
#include "imap/mutf7.h"
#include "imap/preview.h"
#include "imap/section_locator.h"
