/**
 * @module
 * HAProxy's built-in error responses (http_htx.c, reference §6.3): the exact status line, headers
 * and body, so clients and monitors see what HAProxy would send.
 */

export const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Unauthorized',
  408: 'Request Time-out',
  410: 'Gone',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  425: 'Too Early',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Time-out',
}

const MESSAGES: Readonly<Record<number, string>> = {
  200: 'Service ready.',
  400: 'Your browser sent an invalid request.',
  401: 'You need a valid user and password to access this content.',
  403: 'Request forbidden by administrative rules.',
  404: 'The resource could not be found.',
  405: 'A request was made of a resource using a request method not supported by that resource.',
  407: 'You need a valid user and password to access this content.',
  408: "Your browser didn't send a complete request in time.",
  410: 'The resource is no longer available and will not be available again.',
  413: 'The request entity exceeds the maximum allowed.',
  414: 'The URI provided was too long for the server to process.',
  421: 'Request sent to a non-authoritative server.',
  422: 'The server cannot process the contained instructions.',
  425: 'Your browser sent early data.',
  429: 'You have sent too many requests in a given amount of time.',
  431: 'Request Header Fields Too Large.',
  500: 'An internal server error occurred.',
  501: 'The server does not support the functionality required to fulfill the request.',
  502: 'The server returned an invalid or incomplete response.',
  503: 'No server is available to handle this request.',
  504: "The server didn't respond in time.",
}

/** A response the proxy produces itself (error page, redirect, return, stats...). */
export interface LocalResponse {
  readonly status: number
  readonly reason: string
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string
}

export function reasonFor(status: number): string {
  return REASONS[status] ?? 'Unknown'
}

/** http.c http_get_reason: the reason phrase HAProxy writes for `return`, `deny … string` and `set-status`. */
const HTTP_REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  210: 'Content Different',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  310: 'Too many Redirects',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Time-out',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Requested range unsatisfiable',
  417: 'Expectation failed',
  418: "I'm a teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  423: 'Locked',
  424: 'Method failure',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  449: 'Retry With',
  450: 'Blocked by Windows Parental Controls',
  451: 'Unavailable For Legal Reasons',
  456: 'Unrecoverable Error',
  499: 'client has closed connection',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway or Proxy Error',
  503: 'Service Unavailable',
  504: 'Gateway Time-out',
  505: 'HTTP Version not supported',
  506: 'Variant also negotiate',
  507: 'Insufficient storage',
  508: 'Loop detected',
  509: 'Bandwidth Limit Exceeded',
  510: 'Not extended',
  511: 'Network authentication required',
  520: 'Web server is returning an unknown error',
}

/** HAProxy's http_get_reason (which differs from the error pages' own status lines, e.g. 400, 302). */
export function httpReason(status: number): string {
  const known = HTTP_REASONS[status]
  if (known !== undefined) return known
  if (status >= 100 && status < 200) return 'Informational'
  if (status >= 200 && status < 300) return 'Success'
  if (status >= 300 && status < 400) return 'Redirection'
  if (status >= 400 && status < 500) return 'Client Error'
  if (status >= 500 && status < 600) return 'Server Error'
  return 'Other'
}

/** True when HAProxy has a built-in page for `status`. */
export function hasErrorPage(status: number): boolean {
  return MESSAGES[status] !== undefined
}

/**
 * HAProxy's built-in page for `status` (or the proxy's `errorfile` override, a full HTTP response).
 * Bodies are byte-identical to HAProxy 2.6 (403 → 93 bytes, 503 → 107).
 */
export function errorResponse(status: number, errorfiles?: Readonly<Record<string, string>>): LocalResponse {
  const custom = errorfiles?.[String(status)]
  if (custom !== undefined) return parseRawResponse(custom, status)
  const reason = reasonFor(status)
  const body = `<html><body><h1>${status} ${reason}</h1>\n${MESSAGES[status] ?? ''}\n</body></html>\n`
  const headers: [string, string][] = [
    ['content-length', String(body.length)],
    ['cache-control', 'no-cache'],
    ['content-type', 'text/html'],
  ]
  if (status === 400 || status === 408) headers.push(['connection', 'close'])
  return { status, reason, headers, body }
}

/** Parses an errorfile (a raw HTTP/1 response) into a LocalResponse; falls back to `status`. */
export function parseRawResponse(raw: string, status: number): LocalResponse {
  const sep = raw.search(/\r?\n\r?\n/)
  const head = sep < 0 ? raw : raw.slice(0, sep)
  const body = sep < 0 ? '' : raw.slice(sep).replace(/^\r?\n\r?\n/, '')
  const [statusLine = '', ...lines] = head.split(/\r?\n/)
  const m = /^HTTP\/\d\.\d\s+(\d{3})\s*(.*)$/.exec(statusLine)
  const headers: [string, string][] = []
  for (const l of lines) {
    const i = l.indexOf(':')
    if (i > 0) headers.push([l.slice(0, i).trim(), l.slice(i + 1).trim()])
  }
  return { status: m ? Number(m[1]) : status, reason: m?.[2] || reasonFor(status), headers, body }
}
