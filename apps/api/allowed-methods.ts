/** The methods the OpenAPI document declares for each path, so an undeclared one gets 405 and Allow. */
type Paths = Record<string, Record<string, unknown>>;

const httpMethods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** A function from a REST path (without /v1) to the methods declared for it, or undefined when no route has that path. */
export function allowedMethodsOf(paths: Paths): (pathname: string) => string[] | undefined {
  const routes = Object.entries(paths).map(([template, operations]) => ({
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    methods: Object.keys(operations)
      .filter((m) => httpMethods.has(m))
      .map((m) => m.toUpperCase()),
  }));
  return (pathname) => {
    const methods = routes.filter((r) => r.pattern.test(pathname)).flatMap((r) => r.methods);
    return methods.length ? [...new Set(methods)].sort() : undefined;
  };
}
