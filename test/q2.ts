import { compileConfig } from '/work/wt/regex/src/config/compile.ts'
const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind :80
  acl evil path_reg ^/(a+)+$
  http-request deny if evil
  http-request set-header X-Sub %[path,regsub("^/(a+)+$",x,g)]
  http-request set-header X-Map %[path,map_reg(/maps/evil.map,none)]
  http-request replace-path ^/(b+)+$ /ok
  default_backend be
backend be
  option httpchk GET /
  http-check expect rstring ^(c+)+$
  server s1 origin.test:8080 check
`
const r = compileConfig([{ name: 'redos.cfg', text: CONFIG }], { readFile: (p: string) => (p === '/maps/evil.map' ? '^/(a|aa)+$ evil\n' : undefined) } as any)
console.log(r.diagnostics ?? (r as any).diag, !!r.routeMap)
const r2 = compileConfig([{ name: 'bad.cfg', text: 'frontend fe\n  bind :80\n  acl x path_reg ^(?<n>a)\\k<n>$\n  http-request replace-path ^/(?=a+)b /x\n  http-request set-header y %[path,regsub(^(a)\\1,x)]\n' }])
console.log(JSON.stringify((r2 as any).diagnostics, null, 1))
