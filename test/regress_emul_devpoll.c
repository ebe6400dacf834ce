#include "config.h"
#include "regress.h"
struct regress_case regress_emul_devpoll_cases[] = {
	RT_END
};
