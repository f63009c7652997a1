import { password, select } from '@inquirer/prompts';
import { ExitCode, IrError } from '../errors.js';

export type StepAnswer = 'run' | 'skip' | 'abort';

/** The questions `ir` asks a person; tests replace it. */
export interface Prompter {
  askStep(question: string): Promise<StepAnswer>;
  askSecret(question: string): Promise<string>;
}

/** Prompts on stderr so stdout stays clean for results; Ctrl-C at a prompt means abort. */
export function createTerminalPrompter(): Prompter {
  const context = { output: process.stderr };
  return {
    async askStep(question) {
      try {
        return await select<StepAnswer>(
          {
            message: question,
            choices: [
              { name: 'Run this step', value: 'run' },
              { name: 'Skip it', value: 'skip' },
              { name: 'Abort the incident here', value: 'abort' },
            ],
          },
          context,
        );
      } catch (error) {
        if ((error as Error).name === 'ExitPromptError') return 'abort';
        throw error;
      }
    },
    async askSecret(question) {
      try {
        return await password(
          { message: question, mask: '*', validate: (value) => value.trim().length > 0 || 'the new value cannot be blank' },
          context,
        );
      } catch (error) {
        if ((error as Error).name === 'ExitPromptError') throw abortedAtPrompt();
        throw error;
      }
    },
  };
}

function abortedAtPrompt(): IrError {
  return new IrError('aborted at the prompt', { code: 'ABORTED', source: 'input', exitCode: ExitCode.aborted });
}
