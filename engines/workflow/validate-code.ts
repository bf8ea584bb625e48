/**
 * Validation that compiles each `logic.code` component's code in its language (in a sandbox
 * process or thread: V8 for JavaScript, Pyodide for Python), so a syntax error is reported with its
 * line on the component when the definition is uploaded or validated, not when it first runs.
 */
import { logicCodeConfig } from './components/logic-code';
import { checkCodeSyntax } from './sandbox';
import { compileDefinition, type CompileResult, type DefinitionError } from './validate';

/** What this instance's operator allows a logic.code component (its configuration). */
export interface CodeBounds {
  /** BLOBHUB_SANDBOX_MAX_MEMORY_MB */
  maxMemoryMb: number;
}

export async function compileDefinitionWithCode(input: unknown, bounds: CodeBounds): Promise<CompileResult> {
  const compiled = compileDefinition(input);
  if (!compiled.valid) return compiled;
  const codeComponents = Object.values(compiled.plan.components).filter((c) => c.type === 'logic.code');
  const errors = await Promise.all(
    codeComponents.map(async ({ id, config }): Promise<DefinitionError | null> => {
      const { language, code, memory_mb } = logicCodeConfig.parse(config);
      if (memory_mb && memory_mb > bounds.maxMemoryMb) {
        const message = `logic.code ${id}: memory_mb ${memory_mb} is above this instance's bound of ${bounds.maxMemoryMb} (BLOBHUB_SANDBOX_MAX_MEMORY_MB)`;
        return { component_id: id, message };
      }
      const error = await checkCodeSyntax(language, code);
      return error && { component_id: id, ...error, message: `logic.code ${id} (${language}): ${error.message}` };
    }),
  );
  const found = errors.filter((e) => e !== null);
  return found.length ? { valid: false, errors: found } : compiled;
}
