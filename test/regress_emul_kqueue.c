#include "config.h"
#include "regress.h"
struct regress_case regress_emul_kqueue_cases[] = {
	RT_END
};
